// The generic half of every end-to-end service test: the real service binary
// as a child process against the real primary + replica, a channel to it,
// contexts acting as a user, polling for replica catch-up, and SQL on the
// service's database (its outbox, invariants) as the admin role.
//
// A service's fixture extends it in a few lines; the binary comes from the
// test's environment as <SERVICE>_BINARY (e.g. SOCIAL_BINARY, set by the
// BUILD target: env = {"SOCIAL_BINARY": "$(rootpath //social:social_server)"}):
//
//   class SocialServerFixture : public ServiceFixture {
//    protected:
//     static void SetUpTestSuite() {
//       StartSharedServer("social");
//       friends_ = ::social::v1::FriendService::NewStub(channel());
//     }
//     static void TearDownTestSuite() {
//       friends_.reset();
//       StopSharedServer();
//     }
//     inline static std::unique_ptr<::social::v1::FriendService::Stub> friends_;
//   };
//
// A test that needs a server of its own (other settings, a scratch
// database) starts one with StartService(service, {{"VARIABLE", "value"}}).
#ifndef QS_TESTS_SUPPORT_SERVICE_FIXTURE_H_
#define QS_TESTS_SUPPORT_SERVICE_FIXTURE_H_

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/events/v1/events.pb.h"
#include "tests/support/eventually.h"
#include "tests/support/service_process.h"
#include "tests/support/test_infra.h"

namespace qs::testing {

class ServiceFixture : public ::testing::Test {
 public:
  // Starts the binary named by $<SERVICE>_BINARY with the test environment
  // of `service` (ServiceProcess::DefaultEnv), each variable of `env`
  // replacing or adding to it, and waits until it is SERVING (a test
  // failure, with the server's log, when it does not within 30 s).
  static std::unique_ptr<ServiceProcess> StartService(
      const std::string& service, const std::map<std::string, std::string>& env = {}) {
    const std::string variable = absl::AsciiStrToUpper(service) + "_BINARY";
    const char* binary = std::getenv(variable.c_str());
    if (binary == nullptr || *binary == '\0') {
      std::fprintf(stderr, "FATAL: %s is not set (the test's BUILD target passes it)\n",
                   variable.c_str());
      std::exit(1);
    }
    std::map<std::string, std::string> full_env = ServiceProcess::DefaultEnv(service);
    for (const auto& [key, value] : env) full_env[key] = value;
    std::unique_ptr<ServiceProcess> process = ServiceProcess::Start(binary, full_env);
    EXPECT_TRUE(process->WaitUntilServing(absl::Seconds(30)))
        << service << " did not become SERVING:\n"
        << process->Log();
    return process;
  }

  // A plaintext channel to a server started by StartService.
  static std::shared_ptr<grpc::Channel> ChannelTo(const ServiceProcess& process) {
    return grpc::CreateChannel(process.address(), grpc::InsecureChannelCredentials());
  }

  // A context acting as `user` ("" sends no x-user-id), with a deadline.
  static std::unique_ptr<grpc::ClientContext> As(const std::string& user,
                                                 absl::Duration timeout = absl::Seconds(10)) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!user.empty()) context->AddMetadata("x-user-id", user);
    context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(timeout));
    return context;
  }

  // For a test whose writes and reads must fall on one UTC day (daily and
  // weekly leaderboards, streaks): waits past midnight when it is closer
  // than `margin`, so that the test does not straddle it.
  static void AwayFromMidnightUtc(absl::Duration margin = absl::Seconds(30)) {
    const absl::Time now = absl::Now();
    const absl::Time midnight =
        absl::FromCivil(absl::ToCivilDay(now, absl::UTCTimeZone()) + 1, absl::UTCTimeZone());
    if (midnight - now < margin) absl::SleepFor(midnight - now + absl::Seconds(1));
  }

  // Reads from the replica trail the primary a little: polls until
  // `predicate` holds (or `timeout` passes); returns its last value.
  static bool Eventually(const std::function<bool()>& predicate,
                         absl::Duration timeout = absl::Seconds(10)) {
    return ::qs::testing::Eventually(predicate, timeout);
  }

  // Waits until the replica has replayed everything the primary has written
  // so far. A read through the API that saw a row does not prove the
  // replica has it: a miss confirmed on the primary (ReadConfirmingMiss),
  // or a read the router sent there, answers from the primary.
  static void AwaitReplicaCaughtUp(absl::Duration timeout = absl::Seconds(10)) {
    const TestInfra& infra = TestInfra::Get();
    pqxx::connection primary(infra.AdminConnectionString(infra.primary_port, "postgres"));
    const std::string written =
        pqxx::nontransaction(primary).exec1("SELECT pg_current_wal_lsn()::text")[0].c_str();
    pqxx::connection replica(infra.AdminConnectionString(infra.replica_port, "postgres"));
    EXPECT_TRUE(Eventually(
        [&] {
          return pqxx::nontransaction(replica)
              .exec_params1("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", written)[0]
              .as<bool>();
        },
        timeout))
        << "the replica has not replayed " << written;
  }

  // Runs `sql` with $1..$n bound to `args` on the primary, in `database`
  // (e.g. "quest_db"), as the admin role: for checking invariants in the
  // database itself rather than through the API.
  template <typename... Args>
  static pqxx::result QueryPrimary(const std::string& database, const std::string& sql,
                                   Args&&... args) {
    const TestInfra& infra = TestInfra::Get();
    pqxx::connection connection(infra.AdminConnectionString(infra.primary_port, database));
    pqxx::nontransaction tx(connection);
    return tx.exec_params(sql, std::forward<Args>(args)...);
  }

  // The envelopes in `database`'s outbox (e.g. "quest_db") about
  // `aggregate_id`, oldest first, read on the primary.
  static std::vector<::events::v1::EventEnvelope> OutboxEvents(const std::string& database,
                                                               const std::string& aggregate_id) {
    std::vector<::events::v1::EventEnvelope> events;
    for (const auto& row : QueryPrimary(
             database,
             "SELECT envelope FROM outbox_events WHERE aggregate_id = $1 ORDER BY created_at",
             aggregate_id)) {
      pqxx::binarystring bytes(row[0]);
      EXPECT_TRUE(events.emplace_back().ParseFromString(bytes.str()))
          << "an outbox envelope does not parse";
    }
    return events;
  }

 protected:
  // The server shared by the tests of one suite: call from SetUpTestSuite
  // and StopSharedServer from TearDownTestSuite.
  static void StartSharedServer(const std::string& service,
                                const std::map<std::string, std::string>& env = {}) {
    shared_service_ = service;
    shared_server_ = StartService(service, env);
    shared_channel_ = ChannelTo(*shared_server_);
  }

  // Stops the shared server; prints its log when a test failed (the
  // server's side of e.g. an INTERNAL).
  static void StopSharedServer() {
    if (shared_server_ != nullptr && ::testing::UnitTest::GetInstance()->Failed()) {
      std::cerr << "---- " << shared_service_ << " server log ----\n" << shared_server_->Log();
    }
    shared_channel_.reset();
    shared_server_.reset();
  }

  static ServiceProcess& server() { return *shared_server_; }
  static const std::shared_ptr<grpc::Channel>& channel() { return shared_channel_; }

 private:
  inline static std::string shared_service_;
  inline static std::unique_ptr<ServiceProcess> shared_server_;
  inline static std::shared_ptr<grpc::Channel> shared_channel_;
};

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_SERVICE_FIXTURE_H_
