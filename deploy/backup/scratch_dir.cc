#include "deploy/backup/scratch_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace qs::backup {

absl::StatusOr<ScratchDir> ScratchDir::Create(const std::string& parent) {
  std::string path = absl::StrCat(parent, "/qs-backup-XXXXXX");
  if (mkdtemp(path.data()) == nullptr) {
    const int error = errno;
    return absl::ErrnoToStatus(error, absl::StrCat("cannot create a directory in ", parent));
  }
  return ScratchDir(std::move(path));
}

ScratchDir& ScratchDir::operator=(ScratchDir&& other) noexcept {
  if (this != &other) {
    Remove();
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

ScratchDir::~ScratchDir() { Remove(); }

void ScratchDir::Remove() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
  path_.clear();
}

}  // namespace qs::backup
