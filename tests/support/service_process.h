// Runs a real service binary as a child process for end-to-end tests.
//
//   ServiceProcess quest = ServiceProcess::Start("quest/quest_server", env);
//   auto channel = grpc::CreateChannel(quest.address(), ...);
//   ASSERT_TRUE(quest.WaitUntilServing(absl::Seconds(20)));
//   quest.Signal(SIGTERM);
//   EXPECT_EQ(quest.WaitForExit(absl::Seconds(15)), 0);
//
// The child's stderr goes to a log file under TEST_TMPDIR (Log() reads it);
// the destructor kills a child that is still running.
#ifndef QS_TESTS_SUPPORT_SERVICE_PROCESS_H_
#define QS_TESTS_SUPPORT_SERVICE_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/credentials.h"

namespace qs::testing {

class ServiceProcess {
 public:
  // Starts `binary` (with `args` after argv[0]) with exactly `env` as its
  // environment.
  static std::unique_ptr<ServiceProcess> Start(const std::string& binary,
                                               std::map<std::string, std::string> env,
                                               const std::vector<std::string>& args = {});
  ~ServiceProcess();

  // The environment of a service against the test databases, plaintext,
  // listening on a free loopback port; notification's delivery worker off
  // (DELIVERY_WORKER_ENABLED=false: it would send rows other tests assert).
  // Events go to the suite's NATS under EVENTS_NAMESPACE = TestEventNamespace(),
  // so the services of one test process see each other's events and no
  // other test's.
  static std::map<std::string, std::string> DefaultEnv(const std::string& service);

  // GRPC_LISTEN_ADDRESS of the child.
  const std::string& address() const { return address_; }

  // Polls grpc.health.v1.Health/Check("") until SERVING or the timeout.
  bool WaitUntilServing(absl::Duration timeout,
                        std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr);

  void Signal(int signal);
  // The exit code, or nullopt when still running at the timeout (or killed
  // by a signal: then -signal).
  std::optional<int> WaitForExit(absl::Duration timeout);

  // Everything the child wrote to stderr so far.
  std::string Log() const;
  // The lines of Log() where the server's call log (common/grpc/call_log.h)
  // reports a call of `method` ("/pkg.Service/Method") that ended with
  // `status` ("OK", "DEADLINE_EXCEEDED", ...).
  std::vector<std::string> LoggedCalls(const std::string& method, const std::string& status) const;

  pid_t pid() const { return pid_; }

 private:
  ServiceProcess(pid_t pid, std::string address, std::string log_path)
      : pid_(pid), address_(std::move(address)), log_path_(std::move(log_path)) {}

  pid_t pid_;
  std::string address_;
  std::string log_path_;
  bool exited_ = false;
};

// "t<random>": one per test process (its services share it).
const std::string& TestEventNamespace();

// A channel that retries connecting every 20-100 ms (servers under test
// start and stop often).
std::shared_ptr<grpc::Channel> FastReconnectChannel(
    const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials);

// Health status of `service` ("" = the whole server) at `address`:
// "SERVING", "NOT_SERVING", or the gRPC error code name.
std::string CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& service = "");

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_SERVICE_PROCESS_H_
