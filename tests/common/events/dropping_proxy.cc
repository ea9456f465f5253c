#include "tests/common/events/dropping_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace qs::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t written = ::send(fd, data, size, MSG_NOSIGNAL);
    if (written <= 0) return false;
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

}  // namespace

DroppingProxy::DroppingProxy(int upstream_port) : upstream_port_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(0);
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error(std::string("proxy listen: ") + std::strerror(errno));
  }
  socklen_t length = sizeof(address);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

DroppingProxy::~DroppingProxy() {
  stop_.store(true);
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> pumps;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    pumps.swap(pumps_);
  }
  for (std::thread& pump : pumps) pump.join();
  for (int fd : fds_) ::close(fd);
}

std::string DroppingProxy::url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

void DroppingProxy::DropWhenClientSends(const std::string& needle) {
  std::lock_guard<std::mutex> lock(mutex_);
  needle_ = needle;
}

void DroppingProxy::Register(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  fds_.push_back(fd);
}

void DroppingProxy::Accept() {
  while (!stop_.load()) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (::poll(&waiting, 1, 50) <= 0) continue;
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    const int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in upstream = Loopback(upstream_port_);
    if (server < 0 ||
        ::connect(server, reinterpret_cast<sockaddr*>(&upstream), sizeof(upstream)) != 0) {
      ::close(client);
      if (server >= 0) ::close(server);
      continue;
    }
    Register(client);
    Register(server);
    std::lock_guard<std::mutex> lock(mutex_);
    pumps_.emplace_back([this, client, server] { Pump(client, server, /*from_client=*/true); });
    pumps_.emplace_back([this, client, server] { Pump(server, client, /*from_client=*/false); });
  }
}

void DroppingProxy::Pump(int from, int to, bool from_client) {
  char buffer[64 * 1024];
  std::string tail;  // the last bytes seen, for a needle across two reads
  while (true) {
    const ssize_t got = ::recv(from, buffer, sizeof(buffer), 0);
    if (got <= 0) break;
    if (from_client) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!needle_.empty()) {
        const std::string seen = tail + std::string(buffer, static_cast<size_t>(got));
        if (seen.find(needle_) != std::string::npos) {
          needle_.clear();
          drops_.fetch_add(1);
          break;  // these bytes are lost with the connection
        }
        tail = seen.substr(seen.size() > 64 ? seen.size() - 64 : 0);
      }
    }
    if (!WriteAll(to, buffer, static_cast<size_t>(got))) break;
  }
  ::shutdown(from, SHUT_RDWR);
  ::shutdown(to, SHUT_RDWR);
}

}  // namespace qs::testing
