#include "common/grpc/listening_sockets.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>

namespace qs::grpc_util {
namespace {

bool IsListeningOn(int fd, int port) {
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) return false;
  int accepting = 0;
  socklen_t length = sizeof(accepting);
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) != 0 || !accepting) {
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

}  // namespace

int StopListeningOn(int port) {
  DIR* fds = opendir("/proc/self/fd");
  if (fds == nullptr) return 0;
  int stopped = 0;
  while (dirent* entry = readdir(fds)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == dirfd(fds)) continue;
    // A listening socket that is shut down for reading stops listening
    // (Linux's inet_shutdown disconnects it); gRPC's accept then fails and
    // it retires the port.
    if (IsListeningOn(static_cast<int>(fd), port) && shutdown(static_cast<int>(fd), SHUT_RD) == 0) {
      ++stopped;
    }
  }
  closedir(fds);
  return stopped;
}

}  // namespace qs::grpc_util
