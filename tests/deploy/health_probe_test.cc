// grpc-health-probe (deploy/health_probe), the binary the images' HEALTHCHECK
// and the Kubernetes exec probes run, against the real quest server binary
// on the suite's PostgreSQL: each exit code (0 SERVING, 1 bad flags,
// 2 connection failed, 3 call failed, 4 not SERVING) for the situation an
// orchestrator meets, with its one line of output, plaintext and TLS.
#include <signal.h>

#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/security/test_certificates.h"
#include "tests/support/service_process.h"
#include "tests/support/silent_listener.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

// Set by the BUILD target's env; unset (a run outside Bazel) must fail the
// test with the variable's name, not construct a std::string from null.
std::string RequiredEnv(const char* name) {
  const char* value = std::getenv(name);
  EXPECT_NE(value, nullptr) << name << " is not set (run the test with bazel test)";
  return value == nullptr ? std::string() : std::string(value);
}

std::string ProbeBinary() { return RequiredEnv("PROBE_BINARY"); }
std::string ServerBinary() { return RequiredEnv("SERVICE_BINARY"); }

struct ProbeRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together.
  absl::Duration elapsed;
};

ProbeRun RunProbe(const std::vector<std::string>& args) {
  const absl::Time started = absl::Now();
  auto probe = ServiceProcess::Start(ProbeBinary(), {}, args);
  std::optional<int> exit_code = probe->WaitForExit(absl::Seconds(30));
  ProbeRun run;
  run.elapsed = absl::Now() - started;
  run.exit_code = exit_code.value_or(-1);
  run.output = probe->Log();
  return run;
}

// The probe's contract with whoever reads its output: exactly one line.
void ExpectOneLine(const ProbeRun& run) {
  std::vector<std::string> lines = absl::StrSplit(run.output, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 1u) << run.output;
  EXPECT_TRUE(absl::EndsWith(run.output, "\n")) << run.output;
}

std::string Addr(const std::string& address) { return "--addr=" + address; }

// Repeats the probe until it exits `wanted` (a server that is starting is
// still refusing connections, exit 2) or 15 s pass; the last run.
ProbeRun ProbeUntil(int wanted, const std::vector<std::string>& args) {
  ProbeRun run;
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (absl::Now() < deadline && (run = RunProbe(args)).exit_code != wanted) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return run;
}

class HealthProbeTest : public ::testing::Test {
 protected:
  // One serving quest for the tests that only read its health.
  static void SetUpTestSuite() {
    serving_ = ServiceProcess::Start(ServerBinary(), ServiceProcess::DefaultEnv("quest")).release();
    ASSERT_TRUE(serving_->WaitUntilServing(absl::Seconds(30))) << serving_->Log();
  }
  static void TearDownTestSuite() {
    delete serving_;
    serving_ = nullptr;
  }
  inline static ServiceProcess* serving_ = nullptr;
};

TEST_F(HealthProbeTest, ServingServerExitsZero) {
  ProbeRun run = RunProbe({Addr(serving_->address())});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output, "status: SERVING\n");
  // A service the server registers, by name.
  run = RunProbe({Addr(serving_->address()), "--service=ops.v1.Diagnostics", "--timeout-ms=5000"});
  EXPECT_EQ(run.exit_code, 0) << run.output;
}

TEST_F(HealthProbeTest, UnknownServiceIsAFailedCallExitingThree) {
  ProbeRun run = RunProbe({Addr(serving_->address()), "--service=no.such.Service"});
  EXPECT_EQ(run.exit_code, 3) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "health rpc failed: code = NOT_FOUND")) << run.output;
  ExpectOneLine(run);
}

// A refused connection is reported at once, not after the timeout: the
// orchestrator's own probe timeout may be shorter than --timeout-ms.
TEST_F(HealthProbeTest, PortNobodyListensOnExitsTwoAtOnce) {
  const std::string address = absl::StrCat("127.0.0.1:", FreeLoopbackPort());
  ProbeRun run = RunProbe({Addr(address), "--timeout-ms=10000"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_LT(run.elapsed, absl::Seconds(3)) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "failed to connect to service at \"" + address))
      << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "Connection refused")) << run.output;
  ExpectOneLine(run);
}

// A peer that accepts TCP but never speaks HTTP/2 (a hung process, a wrong
// port): the connection never becomes ready, and the probe gives up at its
// timeout, no later.
TEST_F(HealthProbeTest, SilentListenerTimesOutWithTwo) {
  SilentListener silent;
  ASSERT_TRUE(silent.listening()) << silent.error();
  const std::string target = silent.address();

  ProbeRun run = RunProbe({Addr(target), "--timeout-ms=1000"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_GE(run.elapsed, absl::Seconds(1));
  EXPECT_LT(run.elapsed, absl::Seconds(3));
  EXPECT_EQ(run.output,
            absl::StrCat("timeout: failed to connect to service at \"", target, "\" within 1s\n"));
}

TEST_F(HealthProbeTest, BadFlagsExitOneNamingTheFlag) {
  const std::string addr = Addr(serving_->address());
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& bad : std::vector<Case>{
           {{}, "error: --addr is required"},
           {{"--addr=127.0.0.1"}, "error: --addr: expected HOST:PORT"},
           {{"--addr=127.0.0.1:0"}, "error: --addr: expected HOST:PORT"},
           {{addr, "--timeout-ms=soon"}, "error: --timeout-ms must be a whole number"},
           {{addr, "--timeout-ms=0"}, "error: --timeout-ms must be between 1 and 600000"},
           {{addr, "--no-such-flag=1"}, "error: unknown flag --no-such-flag"},
           {{addr, "--service"}, "error: --service needs =value"},
           {{addr, "serving"}, "error: unexpected argument \"serving\""},
           {{addr, "--tls-ca-cert=/etc/hostname"}, "error: --tls-ca-cert needs --tls"},
           {{addr, "--tls", "--tls-client-cert=/etc/hostname"},
            "error: --tls-client-cert and --tls-client-key must be given together"},
           {{addr, "--tls", "--tls-ca-cert=/no/such/ca.pem"},
            "error: --tls-ca-cert: cannot read file \"/no/such/ca.pem\""},
       }) {
    ProbeRun run = RunProbe(bad.args);
    const std::string args = absl::StrJoin(bad.args, " ");
    EXPECT_EQ(run.exit_code, 1) << args << ": " << run.output;
    EXPECT_TRUE(absl::StartsWith(run.output, bad.message)) << args << ": " << run.output;
    ExpectOneLine(run);
  }
  // Asking for help is not an error, in either spelling, and connects nowhere.
  for (const char* flag : {"--help", "-h"}) {
    ProbeRun help = RunProbe({flag});
    EXPECT_EQ(help.exit_code, 0) << flag << ": " << help.output;
    EXPECT_TRUE(absl::StartsWith(help.output, "usage: grpc-health-probe --addr=HOST:PORT"))
        << flag << ": " << help.output;
  }
}

// The server answers, but not SERVING: its database is unreachable.
TEST_F(HealthProbeTest, ServerWithoutItsDatabaseIsNotServingExitingFour) {
  std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("quest");
  env["DB_PORT"] = std::to_string(FreeLoopbackPort());
  env["DB_CONNECT_TIMEOUT_MS"] = "2000";
  env["MIGRATE_ON_START"] = "false";  // Else it waits to migrate, not listening.
  auto server = ServiceProcess::Start(ServerBinary(), env);
  ProbeRun run = ProbeUntil(4, {Addr(server->address())});
  EXPECT_EQ(run.exit_code, 4) << run.output << server->Log();
  EXPECT_EQ(run.output, "service unhealthy (responded with \"NOT_SERVING\")\n");
}

// SIGTERM with GRPC_SHUTDOWN_GRACE_MS: the server still answers, NOT_SERVING,
// so the orchestrator takes it out of rotation before it stops listening;
// once it has exited, the probe cannot connect.
TEST_F(HealthProbeTest, ServerInItsShutdownGraceIsNotServingThenGone) {
  std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("quest");
  env["GRPC_SHUTDOWN_GRACE_MS"] = "4000";
  auto server = ServiceProcess::Start(ServerBinary(), env);
  ASSERT_TRUE(server->WaitUntilServing(absl::Seconds(30))) << server->Log();
  EXPECT_EQ(RunProbe({Addr(server->address())}).exit_code, 0);

  server->Signal(SIGTERM);
  ProbeRun run = ProbeUntil(4, {Addr(server->address())});
  EXPECT_EQ(run.exit_code, 4) << run.output << server->Log();
  EXPECT_EQ(run.output, "service unhealthy (responded with \"NOT_SERVING\")\n");

  std::optional<int> exit_code = server->WaitForExit(absl::Seconds(20));
  ASSERT_TRUE(exit_code.has_value()) << server->Log();
  EXPECT_EQ(*exit_code, 0) << server->Log();
  run = RunProbe({Addr(server->address())});
  EXPECT_EQ(run.exit_code, 2) << run.output;
}

// A server certificate for the name quest.internal only, so connecting to
// 127.0.0.1 verifies only with --tls-server-name.
TestCertificates MakeCertificates() {
  absl::StatusOr<TestCertificates> certs = TestCertificates::Make(
      absl::StrCat(RequiredEnv("TEST_TMPDIR"), "/probe-certs"), "DNS:quest.internal");
  EXPECT_TRUE(certs.ok()) << certs.status();
  return certs.ok() ? *certs : TestCertificates{};
}

std::unique_ptr<ServiceProcess> StartTlsServer(const TestCertificates& certs,
                                               const std::string& mode) {
  std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("quest");
  env["GRPC_TLS_MODE"] = mode;
  env["GRPC_TLS_CERT_FILE"] = certs.server_cert;
  env["GRPC_TLS_KEY_FILE"] = certs.server_key;
  env["GRPC_TLS_CLIENT_CA_FILE"] = certs.ca_cert;
  return ServiceProcess::Start(ServerBinary(), env);
}

TEST_F(HealthProbeTest, TlsServerIsProbedWithItsCaAndName) {
  const TestCertificates certs = MakeCertificates();
  auto server = StartTlsServer(certs, "tls");
  const std::string addr = Addr(server->address());
  const std::string ca = "--tls-ca-cert=" + certs.ca_cert;
  ProbeRun run = ProbeUntil(0, {addr, "--tls", ca, "--tls-server-name=quest.internal"});
  EXPECT_EQ(run.exit_code, 0) << run.output << server->Log();
  EXPECT_EQ(run.output, "status: SERVING\n");

  // The certificate names quest.internal, not 127.0.0.1.
  run = RunProbe({addr, "--tls", ca});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "failed to connect to service")) << run.output;
  ExpectOneLine(run);
  // Plaintext against TLS: no HTTP/2 connection comes up.
  run = RunProbe({addr});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  ExpectOneLine(run);
}

TEST_F(HealthProbeTest, MutualTlsServerIsProbedWithAClientCertificate) {
  const TestCertificates certs = MakeCertificates();
  auto server = StartTlsServer(certs, "mtls");
  const std::vector<std::string> tls = {Addr(server->address()), "--tls",
                                        "--tls-ca-cert=" + certs.ca_cert,
                                        "--tls-server-name=quest.internal"};
  std::vector<std::string> with_client = tls;
  with_client.push_back("--tls-client-cert=" + certs.client_cert);
  with_client.push_back("--tls-client-key=" + certs.client_key);
  ProbeRun run = ProbeUntil(0, with_client);
  EXPECT_EQ(run.exit_code, 0) << run.output << server->Log();

  // Without a client certificate the server refuses the handshake.
  run = RunProbe(tls);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  ExpectOneLine(run);
}

}  // namespace
}  // namespace qs::testing
