#include "tests/support/tmpfs_mount.h"

#include <stdlib.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace qs::testing {

TmpfsMount::TmpfsMount(const std::string& size, bool read_only) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/tmpfs-XXXXXX");
  if (mkdtemp(path.data()) == nullptr) {
    error_ = absl::StrCat("cannot create ", path, ": ", std::strerror(errno));
    return;
  }
  path_ = path;
  const std::string options = absl::StrCat("size=", size, ",mode=0700");
  if (mount("tmpfs", path_.c_str(), "tmpfs", read_only ? MS_RDONLY : 0, options.c_str()) != 0) {
    error_ = absl::StrCat("cannot mount a tmpfs on ", path_, ": ", std::strerror(errno),
                          " (needs root outside Bazel's sandbox: tags = [\"local\"])");
    return;
  }
  mounted_ = true;
}

TmpfsMount::~TmpfsMount() {
  if (mounted_) umount2(path_.c_str(), MNT_DETACH);
}

}  // namespace qs::testing
