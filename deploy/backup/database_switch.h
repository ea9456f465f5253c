// Puts a restored, checked database in place of the live one.
//
//   absl::StatusOr<SwitchedDatabase> switched = SwitchDatabase(settings, "quest_db",
//       "quest_db_restore_20261202t000012z", absl::Now());
//   // switched->kept_as == "quest_db_pre_restore_20261202t031500z" ("" if none was live)
//
// The steps, when `database` exists:
//   1. ALTER DATABASE live WITH ALLOW_CONNECTIONS false (committed, so no
//      new session can start in it), then pg_terminate_backend() for its
//      sessions;
//   2. in ONE transaction: rename live -> <db>_pre_restore_<UTC stamp> and
//      replacement -> <db>. PostgreSQL allows both renames in a transaction
//      block, so no other session ever sees `database` missing or naming
//      the old copy after the commit; ALTER DATABASE RENAME waits (up to 5 s,
//      PostgreSQL's own limit) for the terminated sessions to exit.
// The window in which `database` refuses connections is from step 1 to the
// commit of step 2 (milliseconds; tests/backup/restore_isolation_test
// measures it). Step 2 is tried `attempts` times, ending the sessions again
// before each. SIGINT, SIGTERM and SIGHUP are held back from step 1 until
// the switch is done or undone. If step 2 fails every time, the live
// database gets ALLOW_CONNECTIONS true again (also on an early return) and
// keeps its name; the error says whether reopening worked and, if not, the
// SQL that does it (ReopenSql). The old copy is kept, with connections
// disallowed, until an operator drops it (docs/operations/backup-and-restore.md).
//
// Sessions on a streaming replica are not ended by the primary: see
// replica_sessions.h, which ends them with `previous_oid` and `switch_lsn`.
#ifndef QS_DEPLOY_BACKUP_DATABASE_SWITCH_H_
#define QS_DEPLOY_BACKUP_DATABASE_SWITCH_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "deploy/backup/backup_config.h"

namespace qs::backup {

// "<database>_pre_restore_20261202t031500z".
std::string PreRestoreName(const std::string& database, absl::Time now);

struct SwitchOptions {
  int attempts = 3;
  absl::Duration retry_pause = absl::Seconds(1);
};

struct SwitchedDatabase {
  std::string kept_as;       // the previous database's new name; "" if none was live
  std::string previous_oid;  // its pg_database.oid; "" if none was live
  std::string switch_lsn;    // the primary's WAL position after the rename ("" if unknown)
};

absl::StatusOr<SwitchedDatabase> SwitchDatabase(const PostgresSettings& settings,
                                                const std::string& database,
                                                const std::string& replacement, absl::Time now,
                                                const SwitchOptions& options = {});

// "ALTER DATABASE "quest_db" WITH ALLOW_CONNECTIONS true;": what an operator
// runs when the tool could not reopen the live database itself.
std::string ReopenSql(const std::string& database);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_DATABASE_SWITCH_H_
