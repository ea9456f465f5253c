#include "deploy/backup/init_target_command.h"

#include <sys/stat.h>

#include <string>

#include "absl/status/status.h"
#include "deploy/backup/local_storage.h"
#include "deploy/backup/storage.h"

namespace qs::backup {
namespace {

// True when `directory` is on another device than its parent: something
// (the share) is mounted there.
bool IsMountPoint(const std::string& directory) {
  struct stat self;
  struct stat parent;
  if (stat(directory.c_str(), &self) != 0) return false;
  if (stat((directory + "/..").c_str(), &parent) != 0) return false;
  return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;  // or "/"
}

int InitS3Target(const BackupConfig& config, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<BackupStorage>> storage = OpenStorage(config);
  if (!storage.ok()) {
    err << "backup init-target: " << storage.status().message() << "\n";
    return 1;
  }
  const absl::StatusOr<std::vector<std::string>> keys = (*storage)->List("");
  if (!keys.ok()) {
    err << "backup init-target: " << keys.status().message() << "\n";
    return 1;
  }
  out << "init-target: " << (*storage)->Describe() << " answers (" << keys->size()
      << " objects); an S3 target needs no marker\n";
  return 0;
}

}  // namespace

int InitTarget(const BackupConfig& config, std::ostream& out, std::ostream& err) {
  if (config.s3.has_value()) return InitS3Target(config, out, err);
  const std::string& root = config.local_directory;
  if (root.empty()) {
    err << "backup init-target: BACKUP_TARGET: no backup target configured\n";
    return 1;
  }
  if (const absl::Status made = InitLocalTarget(root); !made.ok()) {
    err << "backup init-target: " << made.message() << "\n";
    return 1;
  }
  if (!IsMountPoint(root)) {
    err << "init-target: warning: " << root
        << " is not a mount point: the backups will be on this machine's own disk\n";
  }
  out << "init-target: " << root << " is ready (wrote " << root << "/" << kTargetMarker << ")\n";
  return 0;
}

}  // namespace qs::backup
