// How the backup tool reaches PostgreSQL: as the backup role of
// BACKUP_PG_* (may dump every database and create, rename and drop
// databases), through libpqxx for SQL and through the environment for
// pg_dump / pg_restore (so no password is ever on a command line).
//
//   QS_RETURN_IF_ERROR(WithConnection(config.postgres, "quest_db", "read quest_db",
//       [&](pqxx::connection& connection) -> absl::Status { ... }));
//
// This is the tool's database boundary: every libpqxx exception thrown by
// `work` becomes an absl::Status here (common/db/db_error.h), named by
// `where`.
#ifndef QS_DEPLOY_BACKUP_POSTGRES_CONNECTION_H_
#define QS_DEPLOY_BACKUP_POSTGRES_CONNECTION_H_

#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "deploy/backup/backup_config.h"
#include "pqxx/pqxx"

namespace qs::backup {

// Connects to `database` and runs `work`; exceptions become a status
// prefixed with `where` ("quest_db: ...").
absl::Status WithConnection(const PostgresSettings& settings, const std::string& database,
                            absl::string_view where,
                            const std::function<absl::Status(pqxx::connection&)>& work);

// PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE for pg_dump and pg_restore.
std::map<std::string, std::string> PgToolEnvironment(const PostgresSettings& settings);

// "<bin_dir>/<tool>".
std::string PgToolPath(const PostgresSettings& settings, const std::string& tool);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_POSTGRES_CONNECTION_H_
