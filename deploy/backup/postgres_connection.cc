#include "deploy/backup/postgres_connection.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "common/config/db_config.h"
#include "common/db/db_error.h"

namespace qs::backup {

absl::Status WithConnection(const PostgresSettings& settings, const std::string& database,
                            absl::string_view where,
                            const std::function<absl::Status(pqxx::connection&)>& work) {
  config::DbConfig db;
  db.name = database;
  db.user = settings.user;
  db.password = settings.password;
  db.tls.ssl_mode = settings.ssl_mode;
  db.connect_timeout = absl::Seconds(10);
  try {
    pqxx::connection connection(db.ConnectionString(settings.host, settings.port, "backup"));
    return work(connection);
  } catch (const std::exception& error) {
    return db::StatusFromDbException(error, where);
  }
}

std::map<std::string, std::string> PgToolEnvironment(const PostgresSettings& settings) {
  std::map<std::string, std::string> env = {
      {"PGHOST", settings.host},   {"PGPORT", absl::StrCat(settings.port)},
      {"PGUSER", settings.user},   {"PGAPPNAME", "backup"},
      {"PGCONNECT_TIMEOUT", "10"},
  };
  if (!settings.password.empty()) env["PGPASSWORD"] = settings.password;
  if (!settings.ssl_mode.empty()) env["PGSSLMODE"] = settings.ssl_mode;
  return env;
}

std::string PgToolPath(const PostgresSettings& settings, const std::string& tool) {
  return absl::StrCat(settings.bin_dir, "/", tool);
}

}  // namespace qs::backup
