// `backup restore --database D (--at ID|latest | --from-dump FILE) [--into NAME]`:
// one service's database back from a backup, the other databases untouched.
//
//   RestoreRequest request{.database = "quest_db", .backup_id = "20261202T000012Z"};
//   int code = RestoreDatabase(config, request, std::cout, std::cerr);
//
// Nothing is restored over the live database: the backup goes into a NEW
// database (`<db>_restore_<id>`, or --into NAME), which is checked (as
// verify checks: size, SHA-256, migration version, rows per table) and
// given the owner and database ACL of the backup (REVOKE CONNECT FROM
// PUBLIC included). Only when all that succeeded does database_switch.h
// put it in place of the live one, which is kept as
// `<db>_pre_restore_<stamp>`. With --into the new database is left under
// that name and nothing is switched. A failure at any step before the
// switch drops the new database; the live one is never changed.
//
// A switch that fails (after retries, database_switch.h) keeps the checked
// copy and prints `backup restore --database D --switch-to COPY`, which runs
// the switch alone. After a switch, the sessions a streaming replica still
// has on the previous database are ended when BACKUP_PG_READ_HOST is set
// (replica_sessions.h); otherwise a warning says to restart the read pools.
//
// --from-dump FILE takes a plain pg_dump -Fc file (e.g. from a cluster
// restored to a point in time, deploy/backup/pitr.sh): it is checked
// against its own table list, and the owner and ACL come from the live
// database (FAILED_PRECONDITION when there is none: nothing says what
// they should be).
#ifndef QS_DEPLOY_BACKUP_RESTORE_COMMAND_H_
#define QS_DEPLOY_BACKUP_RESTORE_COMMAND_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "deploy/backup/backup_config.h"

namespace qs::backup {

struct RestoreRequest {
  std::string database;
  std::string backup_id;  // an id or "latest"; empty with from_dump
  std::string from_dump;  // a plain pg_dump -Fc file; empty with backup_id
  std::string into;       // restore into this new database and stop there
  // Switch this existing database (a checked copy a failed switch kept) in
  // place of `database`; alone, without backup_id / from_dump / into.
  std::string switch_to;
};

// "<database>_restore_<id>" in lowercase.
std::string RestoreDatabaseName(const std::string& database, const std::string& backup_id);

// INVALID_ARGUMENT naming the option for a request that cannot be run
// (unknown database, both or neither of --at / --from-dump, a bad --into).
absl::Status CheckRestoreRequest(const BackupConfig& config, const RestoreRequest& request);

// 0 restored (and switched unless --into), 1 failed (printed on `err`
// naming the database and object; the live database is untouched),
// 2 bad request or configuration.
int RestoreDatabase(const BackupConfig& config, const RestoreRequest& request, std::ostream& out,
                    std::ostream& err);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_RESTORE_COMMAND_H_
