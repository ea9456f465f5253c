// Database's read routing against a PostgreSQL primary + replica this test
// owns (PrivateCluster): nodes are stopped and started under it.
//
// Which node served a read is told by inet_server_port(): the two nodes of
// the cluster listen on different ports of 127.0.0.1.
#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/common/db/async_read_support.h"
#include "tests/support/eventually.h"
#include "tests/support/private_cluster.h"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

using qs::db::testing::Answer;
using qs::db::testing::QueryAndWait;
using qs::testing::Eventually;
using qs::testing::PrivateCluster;
using ::testing::HasSubstr;
using Node = PrivateCluster::Node;

constexpr int kPrimaryPort = 15500;
constexpr int kReplicaPort = 15501;

const std::vector<PreparedStatement>& Statements() {
  static const auto* statements = new std::vector<PreparedStatement>{
      {"server_port", "SELECT inet_server_port()"},
      {"port_after_sleep", "SELECT inet_server_port() FROM pg_sleep($1::float8)"}};
  return *statements;
}

class ReadRoutingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<PrivateCluster>> started =
        PrivateCluster::Start(kPrimaryPort, kReplicaPort);
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = started->release();
    ASSERT_TRUE(cluster_
                    ->AdminSql(Node::kPrimary,
                               "CREATE TABLE IF NOT EXISTS routing_notes (id bigint PRIMARY KEY); "
                               "GRANT SELECT, INSERT ON routing_notes TO quest_svc",
                               "quest_db")
                    .ok());
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(cluster_, nullptr); }
  // Every test leaves both nodes up.
  void TearDown() override {
    if (cluster_ == nullptr) return;
    if (!cluster_->AdminSql(Node::kPrimary, "SELECT 1").ok()) (void)cluster_->StartPrimary();
    if (!cluster_->AdminSql(Node::kReplica, "SELECT 1").ok()) (void)cluster_->StartReplica();
  }

  config::DbConfig Config(config::ReadFallback fallback = config::ReadFallback::kPrimary) {
    config::DbConfig db = cluster_->ServiceDbConfig("quest");
    db.read_fallback = fallback;
    db.connect_timeout = absl::Seconds(3);
    db.async_read_connections = 2;
    return db;
  }
  std::unique_ptr<Database> Open(const config::DbConfig& config) {
    service_ = "routing-" + qs::testing::UniqueSuffix();
    return std::make_unique<Database>(config, service_, Statements());
  }

  static absl::StatusOr<int> PortOfRead(Database& db) {
    return db.Read([](ReadTx& tx) -> absl::StatusOr<int> {
      return tx.Query("SELECT inet_server_port()")[0][0].as<int>();
    });
  }
  static absl::StatusOr<int> PortOfAsyncRead(Database& db) {
    absl::StatusOr<pqxx::result> rows = QueryAndWait(db.async_reads(), "server_port", {});
    if (!rows.ok()) return rows.status();
    return (*rows)[0][0].as<int>();
  }
  absl::Status WriteNote(Database& db) {
    return db.Write([id = ++next_id_](WriteTx& tx) -> absl::Status {
      tx.Query("INSERT INTO routing_notes (id) VALUES ($1)", id);
      return absl::OkStatus();
    });
  }

  static PrivateCluster* cluster_;
  std::string service_;
  int64_t next_id_ = absl::ToUnixMicros(absl::Now());
};

PrivateCluster* ReadRoutingTest::cluster_ = nullptr;

TEST_F(ReadRoutingTest, ReplicaDownReadsGoToThePrimaryAtOnceAndComeBack) {
  std::unique_ptr<Database> db = Open(Config());
  // Until its first lag sample the replica counts as lagging (read_freshness.h).
  ASSERT_TRUE(Eventually([&] { return PortOfRead(*db).value_or(0) == kReplicaPort; }));
  ASSERT_EQ(*PortOfAsyncRead(*db), kReplicaPort);

  ASSERT_TRUE(cluster_->StopReplica().ok());
  const absl::Time stopped = absl::Now();
  // Every read succeeds, from the primary, none waiting long: the first
  // ones find the replica refusing and retry on the primary, later ones go
  // there at once (breaker open).
  absl::Duration slowest = absl::ZeroDuration();
  while (absl::Now() - stopped < absl::Seconds(1)) {
    const absl::Time start = absl::Now();
    absl::StatusOr<int> blocking = PortOfRead(*db);
    absl::StatusOr<int> async = PortOfAsyncRead(*db);
    slowest = std::max(slowest, absl::Now() - start);
    ASSERT_TRUE(blocking.ok()) << blocking.status();
    ASSERT_TRUE(async.ok()) << async.status();
    EXPECT_EQ(*blocking, kPrimaryPort);
    EXPECT_EQ(*async, kPrimaryPort);
    ASSERT_TRUE(WriteNote(*db).ok());
  }
  EXPECT_LT(slowest, absl::Milliseconds(500));
  ReadRoutingStatus down = db->RoutingStatus();
  EXPECT_EQ(down.replica.breaker.state, BreakerState::kOpen);
  EXPECT_TRUE(down.reads_on_primary);
  EXPECT_EQ(down.reason, PrimaryReadsReason::kReplicaDown);
  EXPECT_THAT(down.detail, HasSubstr("reads on primary: replica down since 20"));
  EXPECT_GT(down.fallbacks, 0u);
  EXPECT_GT(down.retries_on_primary, 0u);
  EXPECT_TRUE(db->Ping().ok());
  // The fallback ran on the write node's read budget, not the write pool.
  EXPECT_GT(*cluster_->CountBackends(Node::kPrimary, service_ + "-read-fallback"), 0);
  EXPECT_GT(*cluster_->CountBackends(Node::kPrimary, service_ + "-read-async-fallback"), 0);

  ASSERT_TRUE(cluster_->StartReplica().ok());
  EXPECT_TRUE(
      Eventually([&] { return PortOfRead(*db).value_or(0) == kReplicaPort; }, absl::Seconds(5)));
  EXPECT_TRUE(Eventually([&] { return PortOfAsyncRead(*db).value_or(0) == kReplicaPort; },
                         absl::Seconds(10)));
  ReadRoutingStatus back = db->RoutingStatus();
  EXPECT_EQ(back.replica.breaker.state, BreakerState::kClosed);
  EXPECT_FALSE(back.reads_on_primary);
  EXPECT_EQ(back.detail, "");
}

TEST_F(ReadRoutingTest, ConfirmingMissReadsFallBackToo) {
  std::unique_ptr<Database> db = Open(Config());
  ASSERT_TRUE(cluster_->StopReplica().ok());
  absl::StatusOr<int> port = db->ReadConfirmingMiss([](ReadTx& tx) -> absl::StatusOr<int> {
    return tx.Query("SELECT inet_server_port()")[0][0].as<int>();
  });
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_EQ(*port, kPrimaryPort);
}

TEST_F(ReadRoutingTest, FailModeAnswersUnavailableNamingTheReplica) {
  std::unique_ptr<Database> db = Open(Config(config::ReadFallback::kFail));
  ASSERT_TRUE(Eventually([&] { return PortOfRead(*db).value_or(0) == kReplicaPort; }));
  ASSERT_TRUE(cluster_->StopReplica().ok());
  const uint64_t on_primary_before = db->RoutingStatus().reads_on_primary_total;
  const std::string replica = absl::StrCat(service_, "-read (127.0.0.1:", kReplicaPort, ")");
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<int> blocking = PortOfRead(*db);
    EXPECT_EQ(blocking.status().code(), absl::StatusCode::kUnavailable) << blocking.status();
    EXPECT_THAT(blocking.status().message(), HasSubstr(replica));
    EXPECT_THAT(blocking.status().message(), HasSubstr("DB_READ_FALLBACK=fail"));
    absl::StatusOr<int> async = PortOfAsyncRead(*db);
    EXPECT_EQ(async.status().code(), absl::StatusCode::kUnavailable) << async.status();
    EXPECT_THAT(async.status().message(), HasSubstr(replica));
  }
  // Writes and the primary's own reads are unaffected.
  EXPECT_TRUE(WriteNote(*db).ok());
  EXPECT_TRUE(db->Ping().ok());
  EXPECT_THAT(db->RoutingStatus().detail, HasSubstr("reads fail: replica down since"));
  // Nothing fell back onto the write node.
  EXPECT_EQ(db->RoutingStatus().reads_on_primary_total, on_primary_before);
  EXPECT_GT(db->RoutingStatus().refused, 0u);

  ASSERT_TRUE(cluster_->StartReplica().ok());
  EXPECT_TRUE(
      Eventually([&] { return PortOfRead(*db).value_or(0) == kReplicaPort; }, absl::Seconds(5)));
}

// A caller retrying from inside its `done` while the router refuses: each
// refusal is answered after the `done` that asked returns, never nested
// one call deeper per retry (async_read_pool.h).
TEST_F(ReadRoutingTest, RefusalsToACallFromInsideDoneAreAnsweredAfterItReturns) {
  std::unique_ptr<Database> db = Open(Config(config::ReadFallback::kFail));
  ASSERT_TRUE(Eventually([&] { return PortOfRead(*db).value_or(0) == kReplicaPort; }));
  ASSERT_TRUE(cluster_->StopReplica().ok());
  // Failed reads until the replica's breaker opens: the router then
  // refuses up front, on this thread.
  ASSERT_TRUE(Eventually([&] {
    (void)PortOfAsyncRead(*db);
    return db->RoutingStatus().replica.breaker.state == BreakerState::kOpen;
  }));
  constexpr int kRetries = 20;
  int depth = 0, deepest = 0, answered = 0;
  absl::Status last;
  std::function<void(absl::StatusOr<pqxx::result>)> done = [&](absl::StatusOr<pqxx::result> rows) {
    ++depth;
    deepest = std::max(deepest, depth);
    last = rows.status();
    if (++answered < kRetries) {
      db->async_reads().Query("server_port", {}, absl::Now() + absl::Seconds(5), done);
    }
    --depth;
  };
  db->async_reads().Query("server_port", {}, absl::Now() + absl::Seconds(5), done);
  // Refusals are answered on this thread, at once.
  EXPECT_EQ(answered, kRetries);
  EXPECT_EQ(deepest, 1);
  EXPECT_EQ(last.code(), absl::StatusCode::kUnavailable) << last;
  EXPECT_THAT(last.message(), HasSubstr("DB_READ_FALLBACK=fail"));
}

TEST_F(ReadRoutingTest, BothDownIsUnavailableAndBothBackRecoversWithoutRestart) {
  std::unique_ptr<Database> db = Open(Config());
  ASSERT_TRUE(WriteNote(*db).ok());
  ASSERT_TRUE(cluster_->StopReplica().ok());
  ASSERT_TRUE(cluster_->StopPrimary().ok());
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    EXPECT_EQ(PortOfRead(*db).status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(PortOfAsyncRead(*db).status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(WriteNote(*db).code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(db->Ping().code(), absl::StatusCode::kUnavailable);
    EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  }
  ReadRoutingStatus down = db->RoutingStatus();
  EXPECT_EQ(down.primary.breaker.state, BreakerState::kOpen);
  EXPECT_EQ(down.replica.breaker.state, BreakerState::kOpen);
  EXPECT_GT(down.refused, 0u);

  ASSERT_TRUE(cluster_->StartPrimary().ok());
  ASSERT_TRUE(cluster_->StartReplica().ok());
  EXPECT_TRUE(Eventually([&] { return db->Ping().ok(); }, absl::Seconds(5)));
  EXPECT_TRUE(Eventually([&] { return WriteNote(*db).ok(); }, absl::Seconds(5)));
  EXPECT_TRUE(
      Eventually([&] { return PortOfRead(*db).value_or(0) == kReplicaPort; }, absl::Seconds(10)));
  EXPECT_TRUE(Eventually([&] { return PortOfAsyncRead(*db).value_or(0) == kReplicaPort; },
                         absl::Seconds(10)));
}

// DB_MAX_CONNECTIONS 5: 50 blocking readers and 50 async reads in flight
// during the fallback never hold more than 5 read connections on the write
// node (blocking + async) beside the write pool's at most 5.
TEST_F(ReadRoutingTest, ConnectionCapsHoldUnderFiftyReadersDuringFallback) {
  config::DbConfig config = Config();
  config.max_connections = 5;
  config.min_connections = 1;
  config.connect_timeout = absl::Seconds(10);
  std::unique_ptr<Database> db = Open(config);
  ASSERT_TRUE(cluster_->StopReplica().ok());
  ASSERT_EQ(*PortOfRead(*db), kPrimaryPort);

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 50; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        absl::StatusOr<int> port = db->Read([](ReadTx& tx) -> absl::StatusOr<int> {
          return tx.Query("SELECT inet_server_port() FROM pg_sleep(0.005)")[0][0].as<int>();
        });
        if (!port.ok() || *port != kPrimaryPort) ++failures;
        ++reads;
      }
    });
  }
  std::thread async_reader([&] {
    while (!stop.load()) {
      std::vector<std::unique_ptr<Answer<pqxx::result>>> answers;
      for (int i = 0; i < 50; ++i) {
        answers.push_back(std::make_unique<Answer<pqxx::result>>());
        db->async_reads().Query("port_after_sleep", {"0.005"}, absl::Now() + absl::Seconds(10),
                                answers.back()->Callback());
      }
      for (auto& answer : answers) {
        std::optional<absl::StatusOr<pqxx::result>> rows = answer->Wait(absl::Seconds(15));
        if (!rows.has_value() || !rows->ok()) ++failures;
        ++reads;
      }
    }
  });
  std::thread writer([&] {
    while (!stop.load()) {
      if (!WriteNote(*db).ok()) ++failures;
    }
  });
  int most_read = 0, most_write = 0;
  const absl::Time end = absl::Now() + absl::Seconds(3);
  while (absl::Now() < end) {
    const int read = *cluster_->CountBackends(Node::kPrimary, service_ + "-read-fallback") +
                     *cluster_->CountBackends(Node::kPrimary, service_ + "-read-async-fallback");
    const int write = *cluster_->CountBackends(Node::kPrimary, service_ + "-write");
    most_read = std::max(most_read, read);
    most_write = std::max(most_write, write);
    absl::SleepFor(absl::Milliseconds(20));
  }
  stop = true;
  for (std::thread& reader : readers) reader.join();
  async_reader.join();
  writer.join();
  RecordProperty("most_read_connections_on_primary", most_read);
  RecordProperty("most_write_connections_on_primary", most_write);
  RecordProperty("reads", reads.load());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(reads.load(), 100);
  EXPECT_LE(most_read, 5);
  EXPECT_GE(most_read, 4) << "the fallback did not use its read budget";
  EXPECT_LE(most_write, 5);
  bool waited = false;
  for (const Database::PoolView& pool : db->BlockingPools()) {
    if (pool.name == service_ + "-read-fallback") {
      const PoolStats stats = pool.pool->Stats();
      EXPECT_LE(stats.total(), 3);  // 5 less the async fallback's 2.
      waited = stats.acquire_wait.count > 100 && stats.acquire_wait.sum_seconds > 0;
    }
  }
  EXPECT_TRUE(waited) << "the fallback pool's acquire-wait histogram did not move";
}

}  // namespace
}  // namespace qs::db
