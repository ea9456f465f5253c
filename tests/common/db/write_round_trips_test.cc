// WriteTx's round trips (transaction.h) against the real primary: BEGIN
// travels with the first statement, deferred statements with the next one
// or with the COMMIT, a transaction that sends nothing costs nothing; and a
// deferred statement that fails rolls the whole transaction back with its
// own error, at a Query or at the commit.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/base/call_context.h"
#include "common/db/database.h"
#include "gtest/gtest.h"
#include "pqxx/binarystring"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

using ::qs::testing::ScratchDatabase;

class WriteRoundTripsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDatabase>("quest");
    pqxx::connection owner(scratch_->Conninfo());
    pqxx::nontransaction(owner).exec(
        "CREATE TABLE items (n bigint PRIMARY KEY, label text, bytes bytea);"
        "CREATE TABLE checked (n bigint REFERENCES items (n) DEFERRABLE INITIALLY DEFERRED);"
        "GRANT SELECT, INSERT, UPDATE ON items, checked TO quest_svc");
    config::DbConfig config = scratch_->Config();
    config.max_connections = 1;  // Every write reuses the one connection.
    config.min_connections = 1;
    database_ = std::make_unique<Database>(config, "round-trips-test");
  }
  void TearDown() override {
    database_.reset();
    scratch_.reset();
  }

  int64_t Count(const std::string& table) {
    pqxx::connection primary(scratch_->Conninfo());
    return pqxx::nontransaction(primary).exec("SELECT count(*) FROM " + table)[0][0].as<int64_t>();
  }

  // Round trips of the writes since the last call (in calls or not).
  int64_t RoundTripsSinceLast() {
    const Database::WriteStats stats = database_->write_stats();
    const int64_t now = stats.in_calls.round_trips + stats.outside_calls.round_trips;
    const int64_t delta = now - last_round_trips_;
    last_round_trips_ = now;
    return delta;
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<Database> database_;
  int64_t last_round_trips_ = 0;
};

TEST_F(WriteRoundTripsTest, BeginTravelsWithTheFirstStatement) {
  int inside = -1;
  absl::Status written = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Query("INSERT INTO items (n, label) VALUES ($1, $2)", 1, std::string("o'brien $1"));
    // Still inside the transaction that BEGIN opened: now() is its start.
    inside = tx.Query("SELECT count(*) FROM items WHERE label = $1", "o'brien $1")[0][0].as<int>();
    return absl::OkStatus();
  });
  ASSERT_TRUE(written.ok()) << written;
  EXPECT_EQ(inside, 1);
  EXPECT_EQ(RoundTripsSinceLast(), 3);  // BEGIN+INSERT, SELECT, COMMIT
  EXPECT_EQ(Count("items WHERE label = 'o''brien $1'"), 1);
}

TEST_F(WriteRoundTripsTest, AnUncommittedFirstStatementIsRolledBack) {
  absl::Status written = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Query("INSERT INTO items (n) VALUES ($1)", 1);
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(written.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Count("items"), 0);
  EXPECT_EQ(RoundTripsSinceLast(), 2);  // BEGIN+INSERT, ROLLBACK
}

TEST_F(WriteRoundTripsTest, DeferredStatementsTravelWithTheCommit) {
  const std::string raw("\x00\x01'\\", 4);
  absl::Status written = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Defer("INSERT INTO items (n, label, bytes) VALUES ($1, $2, $3)", 1, "one",
             pqxx::binarystring(raw.data(), raw.size()));
    tx.Defer("INSERT INTO items (n, label) VALUES ($1, $2)", 2, "two");
    tx.Defer("INSERT INTO checked (n) VALUES ($1)", 2);
    EXPECT_EQ(tx.round_trips(), 0);
    return absl::OkStatus();
  });
  ASSERT_TRUE(written.ok()) << written;
  EXPECT_EQ(RoundTripsSinceLast(), 1);  // BEGIN, 3 INSERTs and COMMIT in one
  EXPECT_EQ(Count("items"), 2);
  EXPECT_EQ(Count("checked"), 1);
  pqxx::connection primary(scratch_->Conninfo());
  pqxx::result bytes = pqxx::nontransaction(primary).exec("SELECT bytes FROM items WHERE n = 1");
  EXPECT_EQ(pqxx::binarystring(bytes[0][0]).str(), raw);
}

TEST_F(WriteRoundTripsTest, DeferredStatementsTravelWithTheNextQueryInOrder) {
  absl::StatusOr<std::string> seen =
      database_->Write([&](WriteTx& tx) -> absl::StatusOr<std::string> {
        tx.Defer("INSERT INTO items (n, label) VALUES ($1, $2)", 1, "first");
        tx.Defer("UPDATE items SET label = label || $2 WHERE n = $1", 1, "+second");
        return tx.Query("SELECT label FROM items WHERE n = $1", 1)[0][0].as<std::string>();
      });
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(*seen, "first+second");
  EXPECT_EQ(RoundTripsSinceLast(), 2);  // BEGIN+2 deferred+SELECT, COMMIT
}

TEST_F(WriteRoundTripsTest, ATransactionThatSendsNothingCostsNothing) {
  absl::Status written =
      database_->Write([&](WriteTx&) -> absl::Status { return absl::OkStatus(); });
  ASSERT_TRUE(written.ok()) << written;
  EXPECT_EQ(RoundTripsSinceLast(), 0);
  written = database_->Write([&](WriteTx&) -> absl::Status { return absl::NotFoundError("no"); });
  EXPECT_EQ(written.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(RoundTripsSinceLast(), 0);
  EXPECT_EQ(database_->write_stats().outside_calls.transactions, 2);
  EXPECT_EQ(database_->write_stats().in_calls.transactions, 0);
}

TEST_F(WriteRoundTripsTest, ADeferredFailureAtCommitRollsEverythingBack) {
  ASSERT_TRUE(database_
                  ->Write([&](WriteTx& tx) -> absl::Status {
                    tx.Defer("INSERT INTO items (n) VALUES ($1)", 1);
                    return absl::OkStatus();
                  })
                  .ok());
  // During a call, so the COMMIT carries its position query too: the error
  // must still be the deferred INSERT's own, not a commit in doubt.
  base::CallContext call;
  base::ScopedCall in_call(&call);
  absl::Status written = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Defer("INSERT INTO items (n) VALUES ($1)", 2);
    tx.Defer("INSERT INTO items (n) VALUES ($1)", 1);  // duplicate key
    return absl::OkStatus();
  });
  EXPECT_EQ(written.code(), absl::StatusCode::kAlreadyExists) << written;
  EXPECT_EQ(Count("items"), 1);
  EXPECT_EQ(database_->write_stats().in_calls.transactions, 1) << "counted as a call's write";
  // The connection was rolled back and pooled: the next write works.
  ASSERT_TRUE(database_
                  ->Write([&](WriteTx& tx) -> absl::Status {
                    tx.Query("INSERT INTO items (n) VALUES ($1)", 3);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(Count("items"), 2);
}

TEST_F(WriteRoundTripsTest, ADeferredFailureSurfacesFromTheNextQuery) {
  ASSERT_TRUE(database_
                  ->Write([&](WriteTx& tx) -> absl::Status {
                    tx.Query("INSERT INTO items (n) VALUES ($1)", 1);
                    return absl::OkStatus();
                  })
                  .ok());
  bool query_threw = false;
  absl::Status written = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Defer("INSERT INTO items (n) VALUES ($1)", 2);
    tx.Defer("INSERT INTO items (n) VALUES ($1)", 1);  // duplicate key
    try {
      tx.Query("SELECT 1");
    } catch (const pqxx::sql_error&) {
      query_threw = true;
      throw;
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(query_threw);
  EXPECT_EQ(written.code(), absl::StatusCode::kAlreadyExists) << written;
  EXPECT_EQ(Count("items"), 1);
}

TEST_F(WriteRoundTripsTest, ADeferredConstraintCheckedAtCommitIsStillACommitRefusal) {
  base::CallContext call;
  base::ScopedCall in_call(&call);
  absl::Status written = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Defer("INSERT INTO checked (n) VALUES ($1)", 42);  // no item 42: fails at COMMIT
    return absl::OkStatus();
  });
  EXPECT_EQ(written.code(), absl::StatusCode::kFailedPrecondition) << written;
  EXPECT_EQ(Count("checked"), 0);
}

}  // namespace
}  // namespace qs::db
