// A small tmpfs mounted for one test: a disk that fills up (or refuses
// writes) for real. mount(2) needs root; the tests that use it run outside
// Bazel's sandbox (tags = ["local"]) as this machine's root.
//
//   TmpfsMount small("64k", /*read_only=*/false);
//   ASSERT_TRUE(small.mounted()) << small.error();
//   ... write under small.path() until ENOSPC ...
#ifndef QS_TESTS_SUPPORT_TMPFS_MOUNT_H_
#define QS_TESTS_SUPPORT_TMPFS_MOUNT_H_

#include <string>

namespace qs::testing {

class TmpfsMount {
 public:
  // `size` as mount's size= option ("4k", "1m"). Mounts on a fresh
  // directory under $TEST_TMPDIR (or /tmp).
  TmpfsMount(const std::string& size, bool read_only);
  ~TmpfsMount();  // lazy unmount
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string error_;
  bool mounted_ = false;
};

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_TMPFS_MOUNT_H_
