// A backup target that is a directory: local disk or an NFS mount.
//
//   LocalStorage storage("/srv/backups");
//   QS_RETURN_IF_ERROR(storage.Put("/tmp/x.dump.age", "quest_db/20261202T000012Z.dump.age"));
//
// The directory must exist and hold the marker file ".quest-backup-target",
// which `backup init-target` (InitLocalTarget) writes once when the target
// is set up (on the mounted share). An unmounted NFS share is an existing
// empty directory of the local disk: without the marker every call is
// UNAVAILABLE naming the key and the missing marker, so backups never land
// on the local disk nor does `list` report an empty target. The key's
// subdirectories are created as needed. Put writes "<dir>/.<name>.partial-*"
// then fsyncs and renames, so a key only ever names a whole object; List
// skips such hidden partial files.
#ifndef QS_DEPLOY_BACKUP_LOCAL_STORAGE_H_
#define QS_DEPLOY_BACKUP_LOCAL_STORAGE_H_

#include <string>
#include <vector>

#include "deploy/backup/storage.h"

namespace qs::backup {

// The file in a local target's root that marks it as prepared (hidden: List
// skips it).
inline constexpr char kTargetMarker[] = ".quest-backup-target";

// Writes the marker into the existing directory `root` (idempotent).
// UNAVAILABLE when `root` is not a directory; the file system's code
// (storage.h) when the marker cannot be written.
absl::Status InitLocalTarget(const std::string& root);

class LocalStorage final : public BackupStorage {
 public:
  explicit LocalStorage(std::string root) : root_(std::move(root)) {}

  std::string Describe() const override { return root_; }
  absl::Status Put(const std::string& local_path, const std::string& key) override;
  absl::Status Get(const std::string& key, const std::string& local_path) override;
  absl::StatusOr<std::vector<StoredObject>> ListObjects(const std::string& prefix) override;
  absl::Status Delete(const std::string& key) override;

 private:
  // UNAVAILABLE naming `key` unless the root is an existing directory with
  // the marker.
  absl::Status CheckRoot(const std::string& key) const;
  std::string PathOf(const std::string& key) const { return root_ + "/" + key; }

  std::string root_;
};

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_LOCAL_STORAGE_H_
