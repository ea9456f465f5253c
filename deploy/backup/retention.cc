#include "deploy/backup/retention.h"

#include <map>

namespace qs::backup {

std::vector<BackupRef> ExpiredBackups(const std::vector<BackupRef>& backups, absl::Time now,
                                      absl::Duration keep_for) {
  // The newest per database, by creation time (the id breaks ties, so two
  // backups of one second never both count as the newest).
  std::map<std::string, const BackupRef*> newest;
  for (const BackupRef& backup : backups) {
    const BackupRef*& best = newest[backup.database];
    if (best == nullptr || backup.created_at > best->created_at ||
        (backup.created_at == best->created_at && backup.backup_id > best->backup_id)) {
      best = &backup;
    }
  }
  const absl::Time cutoff = now - keep_for;
  std::vector<BackupRef> expired;
  for (const BackupRef& backup : backups) {
    if (backup.created_at < cutoff && newest[backup.database] != &backup) {
      expired.push_back(backup);
    }
  }
  return expired;
}

}  // namespace qs::backup
