#include "tests/support/s3rver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

// True when an HTTP request gets an HTTP answer: s3rver listens only once
// its bucket is configured, but a bare TCP accept would also be true for a
// port some other process grabbed.
bool AnswersHttp(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  bool answered = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const char request[] = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request, sizeof(request) - 1) == static_cast<ssize_t>(sizeof(request) - 1)) {
      char reply[16] = {};
      const ssize_t n = read(fd, reply, sizeof(reply) - 1);
      answered = n > 0 && absl::StartsWith(reply, "HTTP/1.");
    }
  }
  close(fd);
  return answered;
}

}  // namespace

S3rver::S3rver() : port_(FreeLoopbackPort()) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  data_dir_ = absl::StrCat(tmp ? tmp : "/tmp", "/s3rver-", port_, "-", UniqueSuffix());
  std::filesystem::create_directories(data_dir_);
  EXPECT_TRUE(Start()) << "s3rver did not answer on port " << port_;
}

S3rver::~S3rver() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(data_dir_, ignored);
}

std::string S3rver::endpoint() const { return absl::StrCat("http://", host_port()); }

std::string S3rver::host_port() const { return absl::StrCat("127.0.0.1:", port_); }

std::map<std::string, std::string> S3rver::BackupEnv(const std::string& prefix) const {
  return {
      {"BACKUP_TARGET", absl::StrCat("s3://", bucket_, prefix.empty() ? "" : "/", prefix)},
      {"BACKUP_S3_ENDPOINT", endpoint()},
      {"BACKUP_S3_ACCESS_KEY", kAccessKey},
      {"BACKUP_S3_SECRET_KEY", kSecretKey},
  };
}

bool S3rver::Start() {
  if (process_ != nullptr) return true;
  const char* binary = std::getenv("QS_S3RVER");
  if (binary == nullptr || binary[0] == '\0') {
    ADD_FAILURE() << "QS_S3RVER is not set: run the tests through tests/run_all.sh, or pass "
                     "--test_env=QS_S3RVER=$PWD/tests/backup/s3rver/node_modules/.bin/s3rver "
                     "(deploy/install-deps.sh installs it)";
    return false;
  }
  // s3rver is `#!/usr/bin/env node`.
  process_ = ServiceProcess::Start(
      binary, {{"PATH", "/usr/local/bin:/usr/bin:/bin"}},
      {"--directory", data_dir_, "--address", "127.0.0.1", "--port", std::to_string(port_),
       "--no-vhost-buckets", "--configure-bucket", bucket_, "--silent"});
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    if (AnswersHttp(port_)) return true;
    if (process_->WaitForExit(absl::ZeroDuration()).has_value()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "s3rver did not start:\n" << process_->Log();
  return false;
}

void S3rver::Stop() {
  if (process_ == nullptr) return;
  process_->Signal(SIGTERM);
  if (!process_->WaitForExit(absl::Seconds(10)).has_value()) {
    process_->Signal(SIGKILL);
    process_->WaitForExit(absl::Seconds(5));
  }
  process_.reset();
}

}  // namespace qs::testing
