// ReadFreshness against a PostgreSQL primary + replica of the test's own
// (replay is paused and the replica stopped, which the suite's shared
// servers must never see): an idle replica is fresh however old its last
// commit, paused replay under writes holds reads on the primary past the
// lag bound and releases them once resumed, a replica that cannot be
// sampled counts as lagging once its last position is older than the bound,
// and a call's x-min-lsn is honoured on the replica only once replayed
// (waiting at most DB_READ_LSN_WAIT_MS when allowed to, never for an LSN
// far past the primary's), lag sampling goes on while reads wait, and a
// bound of 0 keeps every read on the primary.
#include "common/db/read_freshness.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "common/base/call_context.h"
#include "common/db/lsn.h"
#include "gtest/gtest.h"
#include "tests/support/eventually.h"
#include "tests/support/private_cluster.h"

namespace qs::db {
namespace {

using ::qs::testing::Eventually;
using ::qs::testing::PrivateCluster;
using Node = PrivateCluster::Node;
using Wait = ReadFreshness::Wait;

// The bound the timing tests set, and the sampler's round (read_freshness.h).
constexpr absl::Duration kLagBound = absl::Milliseconds(500);
constexpr absl::Duration kSampleInterval = absl::Milliseconds(200);

class ReadFreshnessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<PrivateCluster>> started = PrivateCluster::Start();
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = *std::move(started);
    ASSERT_TRUE(Primary("CREATE TABLE IF NOT EXISTS freshness_probe (n bigint)").ok());
  }
  static void TearDownTestSuite() { cluster_.reset(); }

  void SetUp() override { ASSERT_NE(cluster_, nullptr); }
  void TearDown() override {
    // Whatever a test did, the next one starts with a streaming replica.
    (void)cluster_->StartReplica();
    (void)cluster_->AdminSql(Node::kReplica, "SELECT pg_wal_replay_resume()");
  }

  static absl::StatusOr<std::string> Primary(const std::string& sql) {
    return cluster_->AdminSql(Node::kPrimary, sql, "quest_db");
  }

  // A committed write and a position at or past its commit record (what
  // WriteTx reports, asked after the commit here).
  static uint64_t WriteAndGetLsn() {
    EXPECT_TRUE(Primary("INSERT INTO freshness_probe VALUES (1)").ok());
    absl::StatusOr<std::string> lsn = Primary("SELECT pg_current_wal_insert_lsn()::text");
    EXPECT_TRUE(lsn.ok()) << lsn.status();
    return *ParseLsn(lsn.ok() ? *lsn : "0/0");
  }

  static config::DbConfig Config(absl::Duration max_lag, absl::Duration lsn_wait) {
    config::DbConfig config = cluster_->ServiceDbConfig("quest");
    config.read_max_lag = max_lag;
    config.read_lsn_wait = lsn_wait;
    return config;
  }

  // Writes on the primary every 50 ms until destroyed: WAL the paused
  // replica does not replay.
  class Writer {
   public:
    Writer()
        : thread_([this] {
            while (!stop_.load()) {
              (void)Primary("INSERT INTO freshness_probe VALUES (2)");
              absl::SleepFor(absl::Milliseconds(50));
            }
          }) {}
    ~Writer() {
      stop_.store(true);
      thread_.join();
    }

   private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
  };

  inline static std::unique_ptr<PrivateCluster> cluster_;
};

TEST_F(ReadFreshnessTest, SamplesBothNodesOnConnectionsOfItsOwn) {
  ReadFreshness freshness(Config(absl::Seconds(10), absl::Milliseconds(50)), "quest");
  ASSERT_TRUE(Eventually([&] { return freshness.Position().known; }, absl::Seconds(5)));
  EXPECT_GT(freshness.Position().replay_lsn, 0u);
  // pg_stat_activity may lag the connect by a moment.
  EXPECT_TRUE(Eventually([&] {
    return cluster_->CountBackends(Node::kReplica, "quest-freshness").value_or(-1) == 1;
  }));
  EXPECT_TRUE(Eventually([&] {
    return cluster_->CountBackends(Node::kPrimary, "quest-freshness").value_or(-1) == 1;
  }));
  // The first round may find the replica short of the primary's last WAL
  // (the suite's CREATE TABLE, just written) with no replayed commit to
  // date it by: lagging, until a round finds it caught up.
  EXPECT_TRUE(Eventually([&] { return !freshness.Stats().held_on_primary; }));
  const FreshnessStats stats = freshness.Stats();
  EXPECT_TRUE(stats.sampling);
  EXPECT_TRUE(stats.last_error.empty()) << stats.last_error;
}

TEST_F(ReadFreshnessTest, IdleReplicaIsFreshHoweverOldItsLastCommit) {
  ASSERT_TRUE(Primary("INSERT INTO freshness_probe VALUES (0)").ok());
  ReadFreshness freshness(Config(kLagBound, absl::Milliseconds(50)), "quest");
  absl::SleepFor(absl::Seconds(2));  // Nothing written meanwhile.
  // The naive measure would call it lagging by now...
  absl::StatusOr<std::string> naive = cluster_->AdminSql(
      Node::kReplica, "SELECT extract(epoch from now() - pg_last_xact_replay_timestamp())::float8");
  ASSERT_TRUE(naive.ok()) << naive.status();
  EXPECT_GT(std::stod(*naive), 1.5);
  // ...but it has everything the primary has.
  const FreshnessStats stats = freshness.Stats();
  EXPECT_FALSE(stats.held_on_primary);
  EXPECT_LT(stats.position.lag, absl::Milliseconds(500)) << stats.position.lag;
  EXPECT_TRUE(freshness.ReplicaMayServe(Wait::kNoWait));
}

TEST_F(ReadFreshnessTest, PausedReplayBeyondTheBoundHoldsReadsOnThePrimaryUntilResumed) {
  ReadFreshness freshness(Config(kLagBound, absl::Milliseconds(50)), "quest");
  ASSERT_TRUE(Eventually([&] { return freshness.ReplicaMayServe(Wait::kNoWait); }));
  // Taken before the pause: the assertions below hold however long the
  // pause call itself takes on a loaded machine.
  const absl::Time paused = absl::Now();
  ASSERT_TRUE(cluster_->AdminSql(Node::kReplica, "SELECT pg_wal_replay_pause()").ok());
  {
    Writer writer;
    ASSERT_TRUE(
        Eventually([&] { return !freshness.ReplicaMayServe(Wait::kNoWait); }, absl::Seconds(5)));
    // Not before the bound less two sampling intervals (the estimate counts
    // from the last sample the replica is known to have caught up with, up
    // to one interval before the pause, plus one of slack for scheduling).
    EXPECT_GE(absl::Now() - paused, kLagBound - 2 * kSampleInterval);
    const FreshnessStats held = freshness.Stats();
    EXPECT_TRUE(held.held_on_primary);
    EXPECT_GT(held.held_since, paused);
    // Held once lag-at-sample + the sample's age passed the bound; the
    // samples themselves show it soon after.
    EXPECT_TRUE(Eventually([&] { return freshness.Position().lag > absl::Milliseconds(500); }));
    EXPECT_FALSE(freshness.ReplicaMayServe(Wait::kMayWait));
    ASSERT_TRUE(cluster_->AdminSql(Node::kReplica, "SELECT pg_wal_replay_resume()").ok());
    // Back while the primary is still being written to.
    ASSERT_TRUE(
        Eventually([&] { return freshness.ReplicaMayServe(Wait::kNoWait); }, absl::Seconds(5)));
  }
  const FreshnessStats released = freshness.Stats();
  EXPECT_FALSE(released.held_on_primary);
  EXPECT_LT(released.position.lag, absl::Milliseconds(500));
}

TEST_F(ReadFreshnessTest, UnreachableReplicaCountsAsLaggingOnceItsPositionIsOlderThanTheBound) {
  ReadFreshness freshness(Config(kLagBound, absl::Milliseconds(50)), "quest");
  ASSERT_TRUE(Eventually([&] { return freshness.ReplicaMayServe(Wait::kNoWait); }));
  const absl::Time stopping = absl::Now();
  ASSERT_TRUE(cluster_->StopReplica().ok());
  ASSERT_TRUE(
      Eventually([&] { return !freshness.ReplicaMayServe(Wait::kNoWait); }, absl::Seconds(5)));
  // Not at the first failure (slack as above).
  EXPECT_GE(absl::Now() - stopping, kLagBound - 2 * kSampleInterval);
  EXPECT_FALSE(freshness.Stats().last_error.empty());
  ASSERT_TRUE(cluster_->StartReplica().ok());
  ASSERT_TRUE(
      Eventually([&] { return freshness.ReplicaMayServe(Wait::kNoWait); }, absl::Seconds(10)));
  EXPECT_TRUE(freshness.Stats().last_error.empty());
}

TEST_F(ReadFreshnessTest, MinLsnIsServedByTheReplicaOnceReplayed) {
  ReadFreshness freshness(Config(absl::Seconds(10), absl::Milliseconds(200)), "quest");
  ASSERT_TRUE(Eventually([&] { return freshness.ReplicaMayServe(Wait::kNoWait); }));
  base::CallContext call;
  call.min_lsn = WriteAndGetLsn();
  const base::ScopedCall current(&call);
  // Replayed within milliseconds: the wait sees it (the sampler polls fast).
  const absl::Time asked = absl::Now();
  EXPECT_TRUE(freshness.ReplicaMayServe(Wait::kMayWait));
  EXPECT_LT(absl::Now() - asked, absl::Milliseconds(200));
  // Once seen replayed it stays so: the async path lets it on at once.
  EXPECT_TRUE(freshness.ReplicaMayServe(Wait::kNoWait));
  const FreshnessStats stats = freshness.Stats();
  EXPECT_EQ(stats.min_lsn_on_replica, 2u);
  EXPECT_EQ(stats.min_lsn_on_primary, 0u);
}

TEST_F(ReadFreshnessTest, MinLsnNotReplayedGoesToThePrimaryAfterTheBoundedWait) {
  ReadFreshness freshness(Config(absl::Seconds(10), absl::Milliseconds(50)), "quest");
  ASSERT_TRUE(Eventually([&] { return freshness.ReplicaMayServe(Wait::kNoWait); }));
  ASSERT_TRUE(cluster_->AdminSql(Node::kReplica, "SELECT pg_wal_replay_pause()").ok());
  base::CallContext call;
  call.min_lsn = WriteAndGetLsn();
  {
    const base::ScopedCall current(&call);
    absl::Time asked = absl::Now();
    EXPECT_FALSE(freshness.ReplicaMayServe(Wait::kNoWait));
    EXPECT_LT(absl::Now() - asked, absl::Milliseconds(40));  // No waiting on the async path.
    asked = absl::Now();
    EXPECT_FALSE(freshness.ReplicaMayServe(Wait::kMayWait));
    const absl::Duration waited = absl::Now() - asked;
    EXPECT_GE(waited, absl::Milliseconds(45));
    EXPECT_LT(waited, absl::Milliseconds(500));
  }
  // A read without x-min-lsn may still go to the replica: within the 10 s bound.
  EXPECT_TRUE(freshness.ReplicaMayServe(Wait::kMayWait));
  const FreshnessStats stats = freshness.Stats();
  EXPECT_EQ(stats.min_lsn_on_primary, 2u);
  EXPECT_EQ(stats.min_lsn_waits, 1u);
  ASSERT_TRUE(cluster_->AdminSql(Node::kReplica, "SELECT pg_wal_replay_resume()").ok());
  const base::ScopedCall current(&call);
  EXPECT_TRUE(Eventually([&] { return freshness.ReplicaMayServe(Wait::kMayWait); }));
}

// Under steady x-min-lsn traffic some read waits at every moment; the
// sampler must go on sampling the lag meanwhile, or the position ages past
// the bound and every read goes to the primary.
TEST_F(ReadFreshnessTest, ReadsWaitingAtEveryMomentDoNotStopTheLagSampling) {
  ReadFreshness freshness(Config(kLagBound, absl::Milliseconds(300)), "quest");
  ASSERT_TRUE(Eventually([&] { return freshness.ReplicaMayServe(Wait::kNoWait); }));
  // 1 MB past the (idle) primary: plausible, never replayed during the test.
  const uint64_t ahead = WriteAndGetLsn() + (uint64_t{1} << 20);
  std::atomic<bool> stop{false};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 2; ++i) {
    waiters.emplace_back([&] {
      base::CallContext call;
      call.min_lsn = ahead;
      const base::ScopedCall current(&call);
      while (!stop.load()) (void)freshness.ReplicaMayServe(Wait::kMayWait);
    });
  }
  const uint64_t samples_before = freshness.Stats().samples;
  bool always_fresh = true;
  const absl::Time until = absl::Now() + 3 * kLagBound;
  while (absl::Now() < until) {
    always_fresh = always_fresh && freshness.ReplicaMayServe(Wait::kNoWait);
    absl::SleepFor(absl::Milliseconds(20));
  }
  const FreshnessStats stats = freshness.Stats();
  stop.store(true);
  for (std::thread& waiter : waiters) waiter.join();
  EXPECT_TRUE(always_fresh);
  EXPECT_GT(stats.min_lsn_waits, 2u);
  // 1.5 s at one round per 200 ms: at least a few rounds, not none.
  EXPECT_GE(stats.samples - samples_before, 3u);
}

// An x-min-lsn far past anything the primary has written (bogus, or from
// another cluster) is not waited for.
TEST_F(ReadFreshnessTest, MinLsnFarBeyondThePrimaryGoesToThePrimaryWithoutWaiting) {
  ReadFreshness freshness(Config(absl::Seconds(10), absl::Seconds(3)), "quest");
  ASSERT_TRUE(Eventually([&] { return freshness.ReplicaMayServe(Wait::kNoWait); }));
  base::CallContext call;
  call.min_lsn = UINT64_MAX;  // FFFFFFFF/FFFFFFFF
  const base::ScopedCall current(&call);
  const absl::Time asked = absl::Now();
  EXPECT_FALSE(freshness.ReplicaMayServe(Wait::kMayWait));
  EXPECT_LT(absl::Now() - asked, absl::Seconds(1));
  const FreshnessStats stats = freshness.Stats();
  EXPECT_EQ(stats.min_lsn_waits, 0u);
  EXPECT_EQ(stats.min_lsn_on_primary, 1u);
}

TEST_F(ReadFreshnessTest, ZeroLagBoundSendsEveryReadToThePrimary) {
  ReadFreshness freshness(Config(absl::ZeroDuration(), absl::Milliseconds(50)), "quest");
  ASSERT_TRUE(Eventually([&] { return freshness.Position().known; }, absl::Seconds(5)));
  EXPECT_FALSE(freshness.ReplicaMayServe(Wait::kNoWait));
  EXPECT_FALSE(freshness.ReplicaMayServe(Wait::kMayWait));
  base::CallContext call;
  call.min_lsn = 1;  // Long replayed.
  const base::ScopedCall current(&call);
  EXPECT_FALSE(freshness.ReplicaMayServe(Wait::kMayWait));
}

TEST_F(ReadFreshnessTest, RecordCommitRaisesTheCallsCommitLsnOnly) {
  ReadFreshness freshness(Config(absl::Seconds(10), absl::Milliseconds(50)), "quest");
  freshness.RecordCommit(100);  // Outside a call: nothing, no crash.
  base::CallContext call;
  const base::ScopedCall current(&call);
  freshness.RecordCommit(0);
  EXPECT_EQ(call.commit_lsn, 0u);
  freshness.RecordCommit(200);
  freshness.RecordCommit(150);  // An earlier write of the same call.
  EXPECT_EQ(call.commit_lsn, 200u);
}

TEST_F(ReadFreshnessTest, ReadNodeThatIsTheWriteNodeIsNeverSampled) {
  config::DbConfig config = Config(absl::Milliseconds(0), absl::Milliseconds(50));
  config.read_host = config.host;
  config.read_port = config.port;
  ReadFreshness freshness(config, "quest-same");
  base::CallContext call;
  call.min_lsn = UINT64_MAX;
  const base::ScopedCall current(&call);
  EXPECT_TRUE(freshness.ReplicaMayServe(Wait::kNoWait));
  EXPECT_FALSE(freshness.Stats().sampling);
  EXPECT_EQ(*cluster_->CountBackends(Node::kPrimary, "quest-same-freshness"), 0);
}

}  // namespace
}  // namespace qs::db
