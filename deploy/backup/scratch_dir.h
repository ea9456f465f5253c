// A private (0700) temporary directory, removed with everything in it when
// the object goes: for s3cmd's generated credentials file and for objects
// read only to be parsed (manifests).
//
//   absl::StatusOr<ScratchDir> dir = ScratchDir::Create(config.staging_dir);
//
// Always under BACKUP_STAGING_DIR: the one writable directory of the
// CronJob's read-only container.
//   std::string path = dir->Path("manifest.json");
#ifndef QS_DEPLOY_BACKUP_SCRATCH_DIR_H_
#define QS_DEPLOY_BACKUP_SCRATCH_DIR_H_

#include <string>

#include "absl/status/statusor.h"

namespace qs::backup {

class ScratchDir {
 public:
  // A new directory "<parent>/qs-backup-XXXXXX" (mkdtemp), mode 0700.
  static absl::StatusOr<ScratchDir> Create(const std::string& parent);

  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir& operator=(ScratchDir&& other) noexcept;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();

  const std::string& path() const { return path_; }
  // "<dir>/<name>".
  std::string Path(const std::string& name) const { return path_ + "/" + name; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  void Remove();

  std::string path_;
};

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_SCRATCH_DIR_H_
