// One database's consistent, encrypted dump (`backup run`'s core).
//
//   absl::StatusOr<DumpedDatabase> dumped =
//       DumpDatabase(config, "quest_db", staging + "/quest_db.dump.age");
//
// The tables are listed first; a REPEATABLE READ READ ONLY transaction then
// takes ACCESS SHARE locks on all of them before its snapshot is taken (as
// pg_dump does for itself), exports that snapshot (pg_export_snapshot()),
// reads the row counts, migration version, owner and ACL in it, and
// `pg_dump -Fc --snapshot=<id>` dumps the very same snapshot while the
// transaction stays open: the manifest describes exactly what the dump
// holds even while the service writes, and no TRUNCATE or rewriting ALTER
// can empty a table under the dump (they wait for the locks).
// pg_dump's output goes straight into `age -e` (age_cipher.h EncryptStage):
// no plaintext byte touches the disk.
#ifndef QS_DEPLOY_BACKUP_DUMP_H_
#define QS_DEPLOY_BACKUP_DUMP_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "deploy/backup/backup_config.h"
#include "deploy/backup/database_facts.h"

namespace qs::backup {

struct DumpedDatabase {
  DatabaseFacts facts;
  std::string pg_dump_version;  // "pg_dump (PostgreSQL) 15.5 ..."
  absl::Time snapshot_at;       // the snapshot transaction's start (server clock)
};

// Writes the encrypted dump of `database` to `encrypted_path` (0600).
// Errors name the database: UNAVAILABLE when PostgreSQL cannot be reached,
// NOT_FOUND for a database that does not exist, INTERNAL with pg_dump's or
// age's message when either fails (RESOURCE_EXHAUSTED on a full disk).
absl::StatusOr<DumpedDatabase> DumpDatabase(const BackupConfig& config, const std::string& database,
                                            const std::string& encrypted_path);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_DUMP_H_
