// The read/write router against the real primary and streaming replica.
#include "common/db/database.h"

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/common/db/async_read_support.h"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

using qs::db::testing::TerminateBackendsOn;

using qs::testing::TestInfra;

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = "router_test_" + qs::testing::UniqueSuffix();
    ASSERT_TRUE(db_.Write([&](WriteTx& tx) -> absl::Status {
                     tx.Query("CREATE TABLE " + table_ +
                              " (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
                              " name text UNIQUE NOT NULL CHECK (name <> ''))");
                     return absl::OkStatus();
                   })
                    .ok());
  }
  void TearDown() override {
    (void)db_.Write([&](WriteTx& tx) -> absl::Status {
      tx.Query("DROP TABLE IF EXISTS " + table_);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<int64_t> CountOnPrimary() {
    return db_.ReadFromPrimary([&](ReadTx& tx) -> absl::StatusOr<int64_t> {
      return tx.Query("SELECT count(*) FROM " + table_)[0][0].as<int64_t>();
    });
  }

  absl::Status Insert(const std::string& name) {
    return db_.Write([&](WriteTx& tx) -> absl::Status {
      tx.Query("INSERT INTO " + table_ + " (name) VALUES ($1)", name);
      return absl::OkStatus();
    });
  }

  // The owner role: the test creates and drops its own table.
  Database db_{TestInfra::Get().OwnerDbConfig("quest"), "router-test"};
  std::string table_;
};

absl::StatusOr<bool> InRecovery(ReadTx& tx) {
  return tx.Query("SELECT pg_is_in_recovery()")[0][0].as<bool>();
}

TEST_F(DatabaseTest, ReadsLandOnTheReplica) {
  absl::StatusOr<bool> in_recovery = db_.Read(InRecovery);
  ASSERT_TRUE(in_recovery.ok()) << in_recovery.status();
  EXPECT_TRUE(*in_recovery);
}

TEST_F(DatabaseTest, WritesLandOnThePrimary) {
  absl::StatusOr<bool> in_recovery = db_.Write([](WriteTx& tx) -> absl::StatusOr<bool> {
    return tx.Query("SELECT pg_is_in_recovery()")[0][0].as<bool>();
  });
  ASSERT_TRUE(in_recovery.ok()) << in_recovery.status();
  EXPECT_FALSE(*in_recovery);
  absl::StatusOr<bool> primary_read = db_.ReadFromPrimary(InRecovery);
  ASSERT_TRUE(primary_read.ok());
  EXPECT_FALSE(*primary_read);
}

TEST_F(DatabaseTest, AWriteThroughAReadTransactionIsRefused) {
  // Even on the primary a ReadTx is READ ONLY, so misuse fails loudly
  // instead of working in development and failing on the replica.
  absl::Status status = db_.ReadFromPrimary([&](ReadTx& tx) -> absl::Status {
    tx.Query("INSERT INTO " + table_ + " (name) VALUES ('x')");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(*CountOnPrimary(), 0);
}

TEST_F(DatabaseTest, AWriteThroughAReadIsRefusedWhenTheReadHostIsThePrimary) {
  // Development points DB_READ_HOST at the primary; the read pool's
  // read-only sessions still refuse a write sent through Read.
  config::DbConfig config = TestInfra::Get().ServiceDbConfig("quest");
  config.read_host = config.host;
  config.read_port = config.port;
  Database same_host(config, "router-test-same-host");
  absl::StatusOr<bool> in_recovery = same_host.Read(InRecovery);
  ASSERT_TRUE(in_recovery.ok()) << in_recovery.status();
  EXPECT_FALSE(*in_recovery) << "reads went to the primary";
  absl::Status status = same_host.Read([&](ReadTx& tx) -> absl::Status {
    tx.Query("INSERT INTO " + table_ + " (name) VALUES ('x')");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(*CountOnPrimary(), 0);
}

TEST_F(DatabaseTest, CommittedWriteBecomesVisibleOnTheReplica) {
  ASSERT_TRUE(Insert("alpha").ok());
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  int64_t seen = 0;
  while (absl::Now() < deadline && seen == 0) {
    // Until the replica has replayed CREATE TABLE the table is unknown there.
    absl::StatusOr<int64_t> count = db_.Read([&](ReadTx& tx) -> absl::StatusOr<int64_t> {
      return tx.Query("SELECT count(*) FROM " + table_)[0][0].as<int64_t>();
    });
    seen = count.ok() ? *count : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(seen, 1);
}

TEST_F(DatabaseTest, ErrorStatusRollsTheWriteBack) {
  absl::Status status = db_.Write([&](WriteTx& tx) -> absl::Status {
    tx.Query("INSERT INTO " + table_ + " (name) VALUES ('kept?')");
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*CountOnPrimary(), 0);
}

TEST_F(DatabaseTest, SqlErrorsBecomeCanonicalStatusesAndRollBack) {
  ASSERT_TRUE(Insert("taken").ok());
  absl::Status duplicate = Insert("taken");
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists) << duplicate;
  absl::Status check = Insert("");
  EXPECT_EQ(check.code(), absl::StatusCode::kInvalidArgument) << check;
  absl::Status syntax = db_.Write([](WriteTx& tx) -> absl::Status {
    tx.Query("SELEC nonsense");
    return absl::OkStatus();
  });
  EXPECT_EQ(syntax.code(), absl::StatusCode::kInternal) << syntax;
  // A statement after a failing one in the same callback never commits.
  absl::Status partial = db_.Write([&](WriteTx& tx) -> absl::Status {
    tx.Query("INSERT INTO " + table_ + " (name) VALUES ('first')");
    tx.Query("INSERT INTO " + table_ + " (name) VALUES ('taken')");
    return absl::OkStatus();
  });
  EXPECT_EQ(partial.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*CountOnPrimary(), 1);
}

// The service can serve while the write node answers: reads fall back
// when the read node is missing (read_routing_test has the outages).
TEST_F(DatabaseTest, PingAsksTheWriteNode) {
  EXPECT_TRUE(db_.Ping().ok());
  config::DbConfig no_replica_config = TestInfra::Get().ServiceDbConfig("quest");
  no_replica_config.read_port = qs::testing::FreeLoopbackPort();
  no_replica_config.connect_timeout = absl::Seconds(2);
  Database no_replica(no_replica_config, "router-test-no-replica");
  EXPECT_TRUE(no_replica.Ping().ok());
  config::DbConfig no_primary_config = TestInfra::Get().ServiceDbConfig("quest");
  no_primary_config.port = qs::testing::FreeLoopbackPort();
  no_primary_config.connect_timeout = absl::Seconds(2);
  Database no_primary(no_primary_config, "router-test-no-primary");
  absl::Status ping = no_primary.Ping();
  EXPECT_EQ(ping.code(), absl::StatusCode::kUnavailable) << ping;
}

// The blocking pools prepare only kPrepared statements: a kPerCall one is
// unknown by name on their connections (a store runs its text with Query),
// and one whose text could not be prepared does not hold their connections
// back.
TEST_F(DatabaseTest, TheBlockingPoolsDoNotPrepareKPerCallStatements) {
  const std::string service = "per-call-" + qs::testing::UniqueSuffix();
  Database db(
      TestInfra::Get().ServiceDbConfig("quest"), service,
      {{"one", "SELECT 1 AS one"},
       {"per_call_one", "SELECT 1 AS one", Planning::kPerCall},
       {"per_call_broken", "SELECT count(*) FROM no_such_table_" + table_, Planning::kPerCall}});
  EXPECT_TRUE(db.Ping().ok());
  for (bool primary : {false, true}) {
    SCOPED_TRACE(primary ? "write node" : "read node");
    auto run = [&](auto&& fn) { return primary ? db.ReadFromPrimary(fn) : db.Read(fn); };
    absl::StatusOr<int> prepared = run(
        [](ReadTx& tx) -> absl::StatusOr<int> { return tx.QueryPrepared("one")[0][0].as<int>(); });
    ASSERT_TRUE(prepared.ok()) << prepared.status();
    EXPECT_EQ(*prepared, 1);
    absl::StatusOr<int> by_name = run([](ReadTx& tx) -> absl::StatusOr<int> {
      return tx.QueryPrepared("per_call_one")[0][0].as<int>();
    });
    ASSERT_FALSE(by_name.ok()) << "a kPerCall statement was prepared";
    EXPECT_TRUE(absl::StrContains(by_name.status().message(), "per_call_one")) << by_name.status();
    absl::StatusOr<int> by_text = run([](ReadTx& tx) -> absl::StatusOr<int> {
      return tx.Query("SELECT 1 AS one")[0][0].as<int>();
    });
    EXPECT_TRUE(by_text.ok()) << by_text.status();
    // The session holds the statement it prepared (on use), nothing else.
    absl::StatusOr<std::vector<std::string>> session =
        run([](ReadTx& tx) -> absl::StatusOr<std::vector<std::string>> {
          tx.QueryPrepared("one");
          std::vector<std::string> names;
          for (const pqxx::row& row : tx.Query("SELECT name FROM pg_prepared_statements")) {
            names.push_back(row[0].c_str());
          }
          return names;
        });
    ASSERT_TRUE(session.ok()) << session.status();
    EXPECT_EQ(*session, std::vector<std::string>{"one"});
  }
}

// A read whose connection is lost runs again on a fresh connection, once.
TEST_F(DatabaseTest, AReadRetriesOnceWhenItsConnectionIsLost) {
  const TestInfra& infra = TestInfra::Get();
  const std::string service = "read-retry-" + qs::testing::UniqueSuffix();
  Database db(infra.ServiceDbConfig("quest"), service);
  auto backend_pid = [](ReadTx& tx) -> absl::StatusOr<int> {
    return tx.Query("SELECT pg_backend_pid()")[0][0].as<int>();
  };
  absl::StatusOr<int> before = db.Read(backend_pid);
  ASSERT_TRUE(before.ok()) << before.status();

  // Idle connections the server closed are replaced before they are lent.
  ASSERT_GE(TerminateBackendsOn(infra.replica_port, service + "-read"), 1);
  absl::StatusOr<int> after_idle_kill = db.Read(backend_pid);
  ASSERT_TRUE(after_idle_kill.ok()) << after_idle_kill.status();
  EXPECT_NE(*after_idle_kill, *before);

  // Killed while lent, mid-read: the read pool's backends all go, then the
  // read's next statement finds its connection gone. Read runs the callback
  // again on the write node at once (read_router.h: a replica connection
  // failure is retried on the primary) and succeeds.
  int calls = 0;
  std::vector<int> pids;
  absl::StatusOr<bool> in_recovery = db.Read([&](ReadTx& tx) -> absl::StatusOr<bool> {
    ++calls;
    pids.push_back(tx.Query("SELECT pg_backend_pid()")[0][0].as<int>());
    if (calls == 1) {
      EXPECT_GE(TerminateBackendsOn(infra.replica_port, service + "-read"), 1);
    }
    return tx.Query("SELECT pg_is_in_recovery()")[0][0].as<bool>();
  });
  ASSERT_TRUE(in_recovery.ok()) << in_recovery.status();
  EXPECT_FALSE(*in_recovery) << "the retry did not go to the primary";
  EXPECT_EQ(calls, 2) << "retried exactly once";
  ASSERT_EQ(pids.size(), 2u);
  EXPECT_NE(pids[0], pids[1]) << "the retry used a fresh connection";

  // A read whose connection is lost every time fails UNAVAILABLE: once on
  // the replica, then on the primary with one retry on a fresh connection
  // there (a primary restart leaves stale connections in its pool).
  calls = 0;
  absl::Status always_lost = db.Read([&](ReadTx& tx) -> absl::Status {
    ++calls;
    tx.Query("SELECT pg_terminate_backend(pg_backend_pid())");
    tx.Query("SELECT 1");
    return absl::OkStatus();
  });
  EXPECT_EQ(always_lost.code(), absl::StatusCode::kUnavailable) << always_lost;
  EXPECT_EQ(calls, 3);
}

// A write whose connection is lost fails UNAVAILABLE and is NOT run again:
// the statement ran (at most) once, and here did not commit.
TEST_F(DatabaseTest, AWriteIsNotRetriedWhenItsConnectionIsLost) {
  const TestInfra& infra = TestInfra::Get();
  const std::string service = "write-no-retry-" + qs::testing::UniqueSuffix();
  Database db(infra.OwnerDbConfig("quest"), service);  // ALTER TABLE: the owner
  ASSERT_TRUE(db.Write([&](WriteTx& tx) -> absl::Status {
                  tx.Query("ALTER TABLE " + table_ + " ADD COLUMN counter int NOT NULL DEFAULT 0");
                  tx.Query("INSERT INTO " + table_ + " (name) VALUES ('counter')");
                  return absl::OkStatus();
                }).ok());
  auto counter = [&]() -> int {
    absl::StatusOr<int> value = db_.ReadFromPrimary([&](ReadTx& tx) -> absl::StatusOr<int> {
      return tx.Query("SELECT counter FROM " + table_ + " WHERE name = 'counter'")[0][0].as<int>();
    });
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : -1;
  };

  int calls = 0;
  absl::Status lost = db.Write([&](WriteTx& tx) -> absl::Status {
    ++calls;
    tx.Query("SELECT 1");
    if (calls == 1) {
      // Every backend of the write pool, the one lent to us included.
      EXPECT_GE(TerminateBackendsOn(infra.primary_port, service + "-write"), 1);
    }
    tx.Query("UPDATE " + table_ + " SET counter = counter + 1 WHERE name = 'counter'");
    return absl::OkStatus();
  });
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable) << lost;
  EXPECT_NE(lost.message().find("write on " + service + "-write"), std::string::npos) << lost;
  EXPECT_EQ(calls, 1) << "the write was retried";
  EXPECT_EQ(counter(), 0) << "the update ran again after the connection was lost";

  // The pool recovers: the next write runs on a new connection, once.
  calls = 0;
  absl::Status next = db.Write([&](WriteTx& tx) -> absl::Status {
    ++calls;
    tx.Query("UPDATE " + table_ + " SET counter = counter + 1 WHERE name = 'counter'");
    return absl::OkStatus();
  });
  EXPECT_TRUE(next.ok()) << next;
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(counter(), 1);
}

}  // namespace
}  // namespace qs::db
