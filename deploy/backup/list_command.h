// `backup list`: what a target holds, for operators choosing a backup to
// restore.
//
//   quest_db         20261202T000012Z  2026-12-02T00:00:12Z      48213 bytes  migration
//   20261124120000
//   ...
//   incomplete  quest_db/20261203T000009Z.dump.age  (no manifest (cut off, or being written))
//   3 complete backups, 1 incomplete object in s3://backups/nightly at s3.amazonaws.com
#ifndef QS_DEPLOY_BACKUP_LIST_COMMAND_H_
#define QS_DEPLOY_BACKUP_LIST_COMMAND_H_

#include <ostream>

#include "deploy/backup/backup_config.h"

namespace qs::backup {

// One line per complete backup (database, id, created_at RFC 3339 UTC,
// size, migration version; by database then oldest first), then each
// incomplete object with why, then a summary line. 0, or 1 with the
// storage's message on `err` when the target cannot be read.
int ListBackups(const BackupConfig& config, std::ostream& out, std::ostream& err);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_LIST_COMMAND_H_
