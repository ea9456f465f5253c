#include "tests/support/nats_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

bool AcceptsConnections(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

}  // namespace

NatsServer::NatsServer() : port_(FreeLoopbackPort()) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  store_dir_ = absl::StrCat(tmp ? tmp : "/tmp", "/nats-", port_, "-", UniqueSuffix());
  std::filesystem::create_directories(store_dir_);
  EXPECT_TRUE(Start()) << "nats-server did not start on port " << port_;
}

NatsServer::~NatsServer() { Stop(); }

std::string NatsServer::url() const { return absl::StrCat("nats://127.0.0.1:", port_); }

bool NatsServer::Start() {
  if (process_ != nullptr) return true;
  process_ = ServiceProcess::Start(
      "/usr/sbin/nats-server", {{"PATH", "/usr/sbin:/usr/bin:/bin"}},
      {"-a", "127.0.0.1", "-p", std::to_string(port_), "-js", "-sd", store_dir_});
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (AcceptsConnections(port_)) return true;
    if (process_->WaitForExit(absl::ZeroDuration()).has_value()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void NatsServer::Stop() {
  if (process_ == nullptr) return;
  process_->Signal(SIGTERM);
  if (!process_->WaitForExit(absl::Seconds(10)).has_value()) process_->Signal(SIGKILL);
  process_.reset();
}

void NatsServer::Kill() {
  if (process_ == nullptr) return;
  process_->Signal(SIGKILL);
  process_->WaitForExit(absl::Seconds(10));
  process_.reset();
}

void NatsServer::WipeStore() {
  std::filesystem::remove_all(store_dir_);
  std::filesystem::create_directories(store_dir_);
}

}  // namespace qs::testing
