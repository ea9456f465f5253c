// postgres:// URLs for tools (e.g. the migrate command's --database-url).
//
//   absl::StatusOr<DbConfig> db =
//   ParseDatabaseUrl("postgres://quest_svc:pw@127.0.0.1:5432/quest_db");
//
// Form: postgres[ql]://user[:password]@host[:port]/database; user and
// password may be percent-encoded; IPv6 hosts go in brackets. Errors never
// echo the URL (it may hold a password).
#ifndef QS_COMMON_CONFIG_DATABASE_URL_H_
#define QS_COMMON_CONFIG_DATABASE_URL_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/config/db_config.h"

namespace qs::config {

// Pool and timeout fields keep DbConfig's defaults; read_host = host.
absl::StatusOr<DbConfig> ParseDatabaseUrl(absl::string_view url);

}  // namespace qs::config

#endif  // QS_COMMON_CONFIG_DATABASE_URL_H_
