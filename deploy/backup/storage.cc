// OpenStorage (storage.h): the one place that knows both implementations.
#include "deploy/backup/storage.h"

#include <memory>

#include "deploy/backup/local_storage.h"
#include "deploy/backup/s3_storage.h"

namespace qs::backup {

absl::StatusOr<std::unique_ptr<BackupStorage>> OpenStorage(const BackupConfig& config) {
  if (config.s3.has_value()) return std::make_unique<S3Storage>(*config.s3, config.staging_dir);
  if (!config.local_directory.empty()) {
    return std::make_unique<LocalStorage>(config.local_directory);
  }
  return absl::InvalidArgumentError("BACKUP_TARGET: no backup target configured");
}

}  // namespace qs::backup
