// A service started on a fresh database turns SERVING only once the read
// replica has replayed the migrations it applied on the primary: before
// that, a read on the replica would meet tables that do not exist there.
// WAL replay on the shared replica is paused to hold the replica back.
#include <chrono>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/replica_replay.h"
#include "tests/support/service_process.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

std::string HealthWithin(const std::shared_ptr<grpc::Channel>& channel, const std::string& wanted,
                         absl::Duration timeout) {
  std::string health;
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline && (health = CheckHealth(channel)) != wanted) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return health;
}

TEST(SchemaReadinessTest, NotServingUntilTheReplicaHasReplayedTheMigrations) {
  ScratchDatabase scratch("quest");
  const TestInfra& infra = TestInfra::Get();
  // The replica knows the (empty) database before replay stops.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (true) {
    try {
      pqxx::connection probe(infra.AdminConnectionString(infra.replica_port, scratch.name()));
      break;
    } catch (const std::exception&) {
      ASSERT_LT(absl::Now(), deadline) << "replica never saw " << scratch.name();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::unique_ptr<ServiceProcess> process;
  std::shared_ptr<grpc::Channel> channel;
  {
    ReplicaReplayPaused paused;
    auto env = ServiceProcess::DefaultEnv("quest");
    env["DB_NAME"] = scratch.name();
    process = ServiceProcess::Start(std::getenv("SERVICE_BINARY"), env);
    channel = FastReconnectChannel(process->address(), grpc::InsecureChannelCredentials());
    // Migrated on the primary, yet not serving: the replica lacks the tables.
    const absl::Time migrated_by = absl::Now() + absl::Seconds(20);
    while (process->Log().find("schema up to date") == std::string::npos) {
      ASSERT_LT(absl::Now(), migrated_by) << process->Log();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_NE(HealthWithin(channel, "SERVING", absl::Seconds(3)), "SERVING") << process->Log();
  }
  // Replay resumes: SERVING by itself.
  EXPECT_EQ(HealthWithin(channel, "SERVING", absl::Seconds(20)), "SERVING") << process->Log();
  // The reason was the read node.
  const std::string log = process->Log();
  const size_t not_serving = log.find("health: NOT_SERVING");
  ASSERT_NE(not_serving, std::string::npos) << log;
  const std::string line = log.substr(not_serving, log.find('\n', not_serving) - not_serving);
  EXPECT_NE(line.find("quest-read"), std::string::npos) << line;
}

}  // namespace
}  // namespace qs::testing
