// The database a tool works on: `--database-url=postgres://user:pw@host:port/db`
// when given, else the DB_* variables (common/config/db_config.h), as the
// services read them; TLS (DB_SSL_MODE, DB_SSL_ROOT_CERT) from the
// environment either way. Used by the migrate command and the seed tools.
//
//   absl::StatusOr<config::DbConfig> db = cli::DatabaseFromFlags(*flags);
#ifndef QS_COMMON_CLI_DATABASE_FLAG_H_
#define QS_COMMON_CLI_DATABASE_FLAG_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/cli/flags.h"
#include "common/config/db_config.h"

namespace qs::cli {

inline constexpr char kDatabaseUrlFlag[] = "database-url";

absl::StatusOr<config::DbConfig> DatabaseFromFlags(const Flags& flags);

// The libpq connection string of that database's write node, naming the
// session `application` (application_name): what the seed tools connect with.
absl::StatusOr<std::string> WriteConnectionFromFlags(const Flags& flags,
                                                     const std::string& application);

}  // namespace qs::cli

#endif  // QS_COMMON_CLI_DATABASE_FLAG_H_
