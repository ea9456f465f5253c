// Rolling retention (pure): which complete backups `backup prune` removes.
#ifndef QS_DEPLOY_BACKUP_RETENTION_H_
#define QS_DEPLOY_BACKUP_RETENTION_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace qs::backup {

struct BackupRef {
  std::string database;
  std::string backup_id;
  absl::Time created_at;
};

// The backups created before `now - keep_for`, except the newest backup of
// each database, which is kept however old it is (so a database whose
// backups stopped still has one).
std::vector<BackupRef> ExpiredBackups(const std::vector<BackupRef>& backups, absl::Time now,
                                      absl::Duration keep_for);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_RETENTION_H_
