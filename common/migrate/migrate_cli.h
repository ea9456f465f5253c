// The per-service migrate command:
//
//   bazel run //quest:migrate -- run                 apply pending migrations
//   bazel run //quest:migrate -- revert              undo the last one
//   bazel run //quest:migrate -- status              applied, pending, drift
//   bazel run //quest:migrate -- generate --name=add_puzzle_tags
//                                                    diff quest/schema.sql against
//                                                    the migrations, write a new one
//
// Flags: --database-url=postgres://user:pw@host:port/db (default: the DB_*
// variables, as the service reads them); --dir=DIR[,DIR] to read migrations
// from directories instead of those built into the binary (which are
// migrations/common + migrations/<service>); for generate, --admin-url=URL of
// a role that may CREATE DATABASE (default: env MIGRATE_ADMIN_URL),
// --schema=FILE[,FILE] (default: common/schema.sql,<service>/schema.sql in
// the workspace) and --out=DIR (default: migrations/<service>; use
// migrations/common for a change to common/schema.sql).
//
// Exit codes: 0 done; 1 the database refused or failed (message names the
// migration and PostgreSQL's error); 2 usage or configuration error. A
// password is never printed.
#ifndef QS_COMMON_MIGRATE_MIGRATE_CLI_H_
#define QS_COMMON_MIGRATE_MIGRATE_CLI_H_

#include <string>
#include <vector>

#include "common/migrate/migration_set.h"

namespace qs::migrate {

int MigrateMain(const std::string& service, const std::vector<MigrationFile>& embedded, int argc,
                char** argv);

}  // namespace qs::migrate

#endif  // QS_COMMON_MIGRATE_MIGRATE_CLI_H_
