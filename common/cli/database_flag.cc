#include "common/cli/database_flag.h"

#include "common/config/database_url.h"
#include "common/config/env.h"

namespace qs::cli {

absl::StatusOr<config::DbConfig> DatabaseFromFlags(const Flags& flags) {
  if (!flags.Has(kDatabaseUrlFlag)) return config::LoadDbConfig(config::ProcessEnv());
  absl::StatusOr<config::DbConfig> db = config::ParseDatabaseUrl(flags.String(kDatabaseUrlFlag));
  if (!db.ok()) return db.status();
  // A URL names the role and the server, not how to reach it: TLS comes from
  // DB_SSL_MODE / DB_SSL_ROOT_CERT as for the services.
  absl::StatusOr<config::DbTls> tls = config::LoadDbTls(config::ProcessEnv());
  if (!tls.ok()) return tls.status();
  db->tls = *std::move(tls);
  return db;
}

absl::StatusOr<std::string> WriteConnectionFromFlags(const Flags& flags,
                                                     const std::string& application) {
  absl::StatusOr<config::DbConfig> db = DatabaseFromFlags(flags);
  if (!db.ok()) return db.status();
  return db->ConnectionString(db->host, db->port, application);
}

}  // namespace qs::cli
