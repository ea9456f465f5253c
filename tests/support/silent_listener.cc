#include "tests/support/silent_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace qs::testing {
namespace {

// Room for every connection a test opens (a pool's, a probe's retries)
// without the kernel refusing one.
constexpr int kBacklog = 64;

}  // namespace

SilentListener::SilentListener() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error_ = absl::StrCat("socket: ", std::strerror(errno));
    return;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const char* failed = nullptr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    failed = "bind";
  } else if (listen(fd, kBacklog) != 0) {
    failed = "listen";
  } else if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    failed = "getsockname";
  }
  if (failed != nullptr) {
    error_ = absl::StrCat(failed, ": ", std::strerror(errno));
    close(fd);
    return;
  }
  fd_ = fd;
  port_ = ntohs(address.sin_port);
}

SilentListener::~SilentListener() {
  if (fd_ >= 0) close(fd_);
}

std::string SilentListener::address() const { return absl::StrCat("127.0.0.1:", port_); }

}  // namespace qs::testing
