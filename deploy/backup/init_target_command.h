// `backup init-target`: prepares a new backup target once, before the first
// `backup run`.
//
// A local/NFS directory target must carry the marker file
// ".quest-backup-target" (local_storage.h): every other command refuses a
// directory without it, because an unmounted share is an empty directory of
// the local disk and backups written there would be lost with the machine.
// So the operator mounts the share, then runs (once, as the job's user):
//
//   BACKUP_TARGET=/srv/backups backup init-target
//   init-target: /srv/backups is ready (wrote /srv/backups/.quest-backup-target)
//
// The directory must exist (it is never created: a typo or a missing mount
// must not become a new target). When it is not a mount point (same device
// as its parent) a warning says the backups will be on that machine's own
// disk, and the marker is still written: a local disk is a valid target.
// Running it again is harmless. An s3:// target needs no marker: the bucket
// is checked to answer, nothing is written.
#ifndef QS_DEPLOY_BACKUP_INIT_TARGET_COMMAND_H_
#define QS_DEPLOY_BACKUP_INIT_TARGET_COMMAND_H_

#include <ostream>

#include "deploy/backup/backup_config.h"

namespace qs::backup {

// 0 when the target is ready; 1 with the reason (naming the directory or
// bucket) on `err`.
int InitTarget(const BackupConfig& config, std::ostream& out, std::ostream& err);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_INIT_TARGET_COMMAND_H_
