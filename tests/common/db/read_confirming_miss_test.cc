// Database::ReadConfirmingMiss against a replica that really lags: replay is
// paused on the replica (pg_wal_replay_pause), a row is written on the
// primary, and only the primary can see it.
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/database.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

using qs::testing::TestInfra;

class ReadConfirmingMissTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = "confirm_miss_" + qs::testing::UniqueSuffix();
    ASSERT_TRUE(db_.Write([&](WriteTx& tx) -> absl::Status {
                     tx.Query("CREATE TABLE " + table_ + " (id int PRIMARY KEY)");
                     return absl::OkStatus();
                   })
                    .ok());
    // The replica has the (empty) table before replay stops.
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!absl::IsNotFound(Find(1, /*on_replica=*/true).status())) {
      ASSERT_LT(absl::Now(), deadline) << "replica never saw " << table_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Replica().exec("SELECT pg_wal_replay_pause()");
  }

  void TearDown() override {
    Replica().exec("SELECT pg_wal_replay_resume()");
    (void)db_.Write([&](WriteTx& tx) -> absl::Status {
      tx.Query("DROP TABLE IF EXISTS " + table_);
      return absl::OkStatus();
    });
  }

  pqxx::nontransaction& Replica() {
    if (!replica_) {
      const TestInfra& infra = TestInfra::Get();
      replica_connection_ = std::make_unique<pqxx::connection>(
          infra.AdminConnectionString(infra.replica_port, "postgres"));
      replica_ = std::make_unique<pqxx::nontransaction>(*replica_connection_);
    }
    return *replica_;
  }

  auto Lookup(int id) {
    return [this, id](ReadTx& tx) -> absl::StatusOr<int> {
      ++reads_;
      pqxx::result rows = tx.Query("SELECT id FROM " + table_ + " WHERE id = $1", id);
      if (rows.empty()) return absl::NotFoundError(absl::StrCat("row ", id, " not found"));
      return rows[0][0].as<int>();
    };
  }

  absl::StatusOr<int> Find(int id, bool on_replica) {
    return on_replica ? db_.Read(Lookup(id)) : db_.ReadFromPrimary(Lookup(id));
  }

  void InsertOnPrimary(int id) {
    ASSERT_TRUE(db_.Write([&](WriteTx& tx) -> absl::Status {
                     tx.Query("INSERT INTO " + table_ + " VALUES ($1)", id);
                     return absl::OkStatus();
                   })
                    .ok());
  }

  // The owner role: the test creates and drops its own table.
  Database db_{TestInfra::Get().OwnerDbConfig("quest"), "confirm-miss-test"};
  std::string table_;
  int reads_ = 0;
  std::unique_ptr<pqxx::connection> replica_connection_;
  std::unique_ptr<pqxx::nontransaction> replica_;
};

TEST_F(ReadConfirmingMissTest, AMissOnTheLaggingReplicaIsConfirmedOnThePrimary) {
  InsertOnPrimary(7);
  // The plain replica read misses the row: the replica really lags.
  EXPECT_TRUE(absl::IsNotFound(Find(7, /*on_replica=*/true).status()));
  reads_ = 0;
  absl::StatusOr<int> found = db_.ReadConfirmingMiss(Lookup(7));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, 7);
  EXPECT_EQ(reads_, 2);  // the replica, then the primary
}

TEST_F(ReadConfirmingMissTest, ARealMissReadsBothAndAHitReadsOnlyTheReplica) {
  // Row 1 does not exist anywhere; a real miss is reported after both reads.
  reads_ = 0;
  EXPECT_TRUE(absl::IsNotFound(db_.ReadConfirmingMiss(Lookup(1)).status()));
  EXPECT_EQ(reads_, 2);
  // A custom miss rule: "not found" and "found but 0" both ask the primary;
  // a hit that the rule accepts is answered by the replica alone.
  Replica().exec("SELECT pg_wal_replay_resume()");
  InsertOnPrimary(3);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!Find(3, /*on_replica=*/true).ok()) {
    ASSERT_LT(absl::Now(), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  reads_ = 0;
  absl::StatusOr<int> hit = db_.ReadConfirmingMiss(
      Lookup(3), [](const absl::StatusOr<int>& read) { return !read.ok() || *read == 0; });
  ASSERT_TRUE(hit.ok()) << hit.status();
  EXPECT_EQ(reads_, 1);
}

}  // namespace
}  // namespace qs::db
