// `backup prune [--dry-run]`: rolling retention over a target.
//
// Complete backups go when ExpiredBackups (retention.h) says so, by the
// manifest's created_at: each one's dump first, then its manifest. A crash
// in between leaves a dump without a manifest, i.e. an incomplete object.
//
// Incomplete objects (dumps without a manifest, damaged manifests,
// manifests whose dump is gone) age out by the time in their key's backup
// id: removed once that is older than the retention window, like a complete
// backup of that time would be. A dump being written now carries the
// current time, so it is never touched; keys that are not named like a
// backup object are listed and left alone.
//
//   prune: removed quest_db/20261101T000004Z.dump.age
//   prune: removed quest_db/20261101T000004Z.manifest.json
//   prune: removed 1 backup and 0 incomplete objects (2 objects) from /srv/backups; kept 31 backups
#ifndef QS_DEPLOY_BACKUP_PRUNE_COMMAND_H_
#define QS_DEPLOY_BACKUP_PRUNE_COMMAND_H_

#include <ostream>

#include "absl/time/time.h"
#include "deploy/backup/backup_config.h"

namespace qs::backup {

// Prints each removed key (dry run: each key that would go) and a summary
// line on `out`. 0 when every removal succeeded; 1 with the messages on
// `err` when the target cannot be read or a removal failed (the others are
// still attempted; a backup whose dump could not be deleted keeps its
// manifest, so it stays complete).
int PruneBackups(const BackupConfig& config, bool dry_run, absl::Time now, std::ostream& out,
                 std::ostream& err);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_PRUNE_COMMAND_H_
