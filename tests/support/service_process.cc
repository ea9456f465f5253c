#include "tests/support/service_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "tests/support/test_infra.h"

namespace qs::testing {

std::map<std::string, std::string> ServiceProcess::DefaultEnv(const std::string& service) {
  const TestInfra& infra = TestInfra::Get();
  std::map<std::string, std::string> env = {
      {"DB_HOST", infra.host},
      {"DB_PORT", std::to_string(infra.primary_port)},
      {"DB_READ_HOST", infra.host},
      {"DB_READ_PORT", std::to_string(infra.replica_port)},
      {"DB_NAME", service + "_db"},
      {"DB_USER", service + "_svc"},
      {"DB_PASSWORD", infra.PasswordOf(service)},
      // Serving as the runtime role, migrating as the owner, as deployed.
      {"DB_MIGRATION_USER", service + "_owner"},
      {"DB_MIGRATION_PASSWORD", infra.OwnerPasswordOf(service)},
      {"DB_MIN_CONNECTIONS", "1"},
      {"DB_MAX_CONNECTIONS", "4"},
      {"DB_CONNECT_TIMEOUT_MS", "5000"},
      {"GRPC_LISTEN_ADDRESS", absl::StrCat("127.0.0.1:", FreeLoopbackPort())},
      {"GRPC_TLS_MODE", "plaintext"},
      {"GRPC_DRAIN_TIMEOUT_MS", "5000"},
      {"PAGE_TOKEN_KEY", "test-page-token-key-0123456789abcdef"},
      {"LOG_LEVEL", "info"},
      {"NATS_URL", infra.nats_url},
      {"EVENTS_NAMESPACE", TestEventNamespace()},
  };
  // The notification delivery worker would send (log provider) the queued
  // rows other tests assert, in the database they share; the worker's own
  // test turns it on, on a scratch database.
  if (service == "notification") env["DELIVERY_WORKER_ENABLED"] = "false";
  return env;
}

const std::string& TestEventNamespace() {
  static const std::string* name_space = new std::string(absl::StrCat("t", UniqueSuffix()));
  return *name_space;
}

std::unique_ptr<ServiceProcess> ServiceProcess::Start(const std::string& binary,
                                                      std::map<std::string, std::string> env,
                                                      const std::vector<std::string>& args) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  static int counter = 0;
  std::string log_path =
      absl::StrCat(tmp ? tmp : "/tmp", "/service-", getpid(), "-", counter++, ".log");
  std::vector<std::string> entries;
  for (const auto& [key, value] : env) entries.push_back(key + "=" + value);
  std::vector<char*> envp;
  for (std::string& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid == 0) {
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    // Undo any signal mask inherited from the test's threads.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  std::string address =
      env.count("GRPC_LISTEN_ADDRESS") ? env["GRPC_LISTEN_ADDRESS"] : std::string();
  return std::unique_ptr<ServiceProcess>(new ServiceProcess(pid, address, log_path));
}

ServiceProcess::~ServiceProcess() {
  if (!exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::shared_ptr<grpc::Channel> FastReconnectChannel(
    const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments arguments;
  // The default backoff (1 s, growing) would dominate a test that polls a
  // server which is still starting. (Not MIN_RECONNECT_BACKOFF: gRPC also
  // uses it as the connect deadline, which a TLS handshake needs.)
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  // Keep backoff state out of the process-wide subchannel pool, so a new
  // channel starts afresh.
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, credentials, arguments);
}

bool ServiceProcess::WaitUntilServing(absl::Duration timeout,
                                      std::shared_ptr<grpc::ChannelCredentials> credentials) {
  if (!credentials) credentials = grpc::InsecureChannelCredentials();
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    // A fresh channel per attempt: a refused connect must not leave us
    // waiting out a reconnect backoff.
    if (CheckHealth(FastReconnectChannel(address_, credentials)) == "SERVING") {
      return true;
    }
    if (WaitForExit(absl::ZeroDuration()).has_value()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void ServiceProcess::Signal(int signal) { kill(pid_, signal); }

std::optional<int> ServiceProcess::WaitForExit(absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exited_ = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return -WTERMSIG(status);
    }
    if (exited_ || absl::Now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string ServiceProcess::Log() const {
  std::ifstream in(log_path_);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::vector<std::string> ServiceProcess::LoggedCalls(const std::string& method,
                                                     const std::string& status) const {
  const std::string wanted = absl::StrCat("method=", method, " status=", status);
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(Log(), '\n')) {
    if (absl::StrContains(line, wanted)) lines.emplace_back(line);
  }
  return lines;
}

std::string CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return absl::StrCat("error:", status.error_code());
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

}  // namespace qs::testing
