#include "common/grpc/listening_sockets.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <vector>

#include "absl/time/clock.h"

namespace qs::grpc_util {
namespace {

// Whether `fd` is a TCP socket bound to `port` that listens (or, with
// `listening` false, is connected).
bool IsSocketOn(int fd, int port, bool listening) {
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) return false;
  int accepting = 0;
  socklen_t length = sizeof(accepting);
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) != 0 ||
      (accepting != 0) != listening) {
    return false;
  }
  sockaddr_storage address{};
  length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return false;
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port) == port;
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port) == port;
  }
  return false;
}

// The open file descriptors of this process.
std::vector<int> OpenFds() {
  std::vector<int> open;
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return open;
  while (dirent* entry = readdir(fds)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(fds)) continue;
    open.push_back(static_cast<int>(fd));
  }
  closedir(fds);
  return open;
}

}  // namespace

int StopListeningOn(int port) {
  int stopped = 0;
  for (int fd : OpenFds()) {
    // A listening socket that is shut down for reading stops listening
    // (Linux's inet_shutdown disconnects it); gRPC's accept then fails (it
    // logs "Failed accept4: Invalid argument") and it retires the port.
    if (IsSocketOn(fd, port, /*listening=*/true) && shutdown(fd, SHUT_RD) == 0) ++stopped;
  }
  return stopped;
}

void WaitUntilSentOn(int port, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    bool unsent = false;
    for (int fd : OpenFds()) {
      int queued = 0;
      if (IsSocketOn(fd, port, /*listening=*/false) && ioctl(fd, SIOCOUTQ, &queued) == 0 &&
          queued > 0) {
        unsent = true;
        break;
      }
    }
    if (!unsent) return;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

}  // namespace qs::grpc_util
