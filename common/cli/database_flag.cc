#include "common/cli/database_flag.h"

#include "common/config/database_url.h"
#include "common/config/env.h"

namespace qs::cli {

absl::StatusOr<config::DbConfig> DatabaseFromFlags(const Flags& flags) {
  if (flags.Has(kDatabaseUrlFlag)) return config::ParseDatabaseUrl(flags.String(kDatabaseUrlFlag));
  return config::LoadDbConfig(config::ProcessEnv());
}

absl::StatusOr<std::string> WriteConnectionFromFlags(const Flags& flags,
                                                     const std::string& application) {
  absl::StatusOr<config::DbConfig> db = DatabaseFromFlags(flags);
  if (!db.ok()) return db.status();
  return db->ConnectionString(db->host, db->port, application);
}

}  // namespace qs::cli
