// Where backups are kept: an S3-compatible bucket (through s3cmd) or a
// local/NFS directory. Keys are relative to the target's prefix,
// "quest_db/20261202T000012Z.dump.age".
//
// Errors name the object and the target: NOT_FOUND for a missing key,
// UNAVAILABLE for a target that cannot be reached, RESOURCE_EXHAUSTED for a
// full disk, PERMISSION_DENIED for refused credentials.
#ifndef QS_DEPLOY_BACKUP_STORAGE_H_
#define QS_DEPLOY_BACKUP_STORAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "deploy/backup/backup_config.h"

namespace qs::backup {

// One listed object.
struct StoredObject {
  std::string key;
  int64_t size_bytes = 0;  // as the target reports it (stat, `s3cmd ls`)
};

class BackupStorage {
 public:
  virtual ~BackupStorage() = default;

  // "s3://bucket/prefix" or "/srv/backups", for messages.
  virtual std::string Describe() const = 0;
  // Stores the file at `local_path` as `key`. A failed Put never leaves a
  // partial object under `key`.
  virtual absl::Status Put(const std::string& local_path, const std::string& key) = 0;
  // Writes object `key` to `local_path`.
  virtual absl::Status Get(const std::string& key, const std::string& local_path) = 0;
  // Every object whose key starts with `prefix`, sorted by key, with its
  // stored size (the catalog compares it with the manifest's).
  virtual absl::StatusOr<std::vector<StoredObject>> ListObjects(const std::string& prefix) = 0;
  // The keys of ListObjects.
  absl::StatusOr<std::vector<std::string>> List(const std::string& prefix) {
    absl::StatusOr<std::vector<StoredObject>> objects = ListObjects(prefix);
    if (!objects.ok()) return objects.status();
    std::vector<std::string> keys;
    for (StoredObject& object : *objects) keys.push_back(std::move(object.key));
    return keys;
  }
  // Removes `key`; OK when it is already gone.
  virtual absl::Status Delete(const std::string& key) = 0;
};

// The storage the config names (local directory or S3).
absl::StatusOr<std::unique_ptr<BackupStorage>> OpenStorage(const BackupConfig& config);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_STORAGE_H_
