// A file descriptor closed when it goes out of scope (process.cc's pipes,
// local_storage.cc's files).
#ifndef QS_DEPLOY_BACKUP_FD_H_
#define QS_DEPLOY_BACKUP_FD_H_

#include <unistd.h>

namespace qs::backup {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.Release()) {}
  Fd& operator=(Fd&& other) noexcept {
    Reset(other.Release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  // Closes the current descriptor (its result ignored) and takes `fd`.
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }
  // close()'s result, for writers: it can be the first to report ENOSPC or
  // an NFS write error.
  int Close() { return close(Release()); }

 private:
  int fd_ = -1;
};

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_FD_H_
