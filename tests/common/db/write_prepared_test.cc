// WriteTx's prepared statements (session_statements.h) against the real
// primary: a write's statements are prepared on its session once and run
// as EXECUTE after, in the same round trips as before; a round trip that
// fails after its PREPARE keeps it (learnt with the ROLLBACK), one whose
// PREPARE never ran prepares again; a statement that was queued but never
// sent is prepared on its next use; one PostgreSQL cannot type runs as
// text after one failed call; and values bind as the literals did.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/db/database.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

using ::qs::testing::ScratchDatabase;

constexpr char kInsert[] = "INSERT INTO items (n, label) VALUES ($1, $2)";

class WritePreparedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDatabase>("quest");
    pqxx::connection owner(scratch_->Conninfo());
    pqxx::nontransaction(owner).exec(
        "CREATE TABLE items (n bigint PRIMARY KEY, label text, at date);"
        "GRANT SELECT, INSERT, UPDATE ON items TO quest_svc");
    config::DbConfig config = scratch_->Config();
    config.max_connections = 1;  // Every write reuses the one session.
    config.min_connections = 1;
    database_ = std::make_unique<Database>(config, "prepared-test");
  }
  void TearDown() override {
    database_.reset();
    scratch_.reset();
  }

  absl::Status Insert(int n, const std::string& label) {
    return database_->Write([&](WriteTx& tx) -> absl::Status {
      tx.Defer(kInsert, n, label);
      return absl::OkStatus();
    });
  }

  // The session's prepared statements whose text is `sql` (asked on the
  // session itself: the pool has one connection).
  int PreparedCopies(const std::string& sql) {
    int copies = -1;
    absl::Status read = database_->Write([&](WriteTx& tx) -> absl::Status {
      // pg_prepared_statements shows the whole round trip that carried
      // the PREPARE.
      copies = tx.Query(
                     "SELECT count(*) FROM pg_prepared_statements WHERE "
                     "strpos(statement, 'PREPARE ' || name || ' AS ' || $1 || ';') > 0",
                     sql)[0][0]
                   .as<int>();
      return absl::OkStatus();
    });
    EXPECT_TRUE(read.ok()) << read;
    return copies;
  }

  int64_t RoundTrips() {
    const Database::WriteStats stats = database_->write_stats();
    return stats.in_calls.round_trips + stats.outside_calls.round_trips;
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<Database> database_;
};

TEST_F(WritePreparedTest, PreparesOnceAndCostsNoRoundTrip) {
  const int64_t before = RoundTrips();
  ASSERT_TRUE(Insert(1, "o'brien $1").ok());
  const int64_t first = RoundTrips() - before;
  ASSERT_TRUE(Insert(2, "b").ok());
  const int64_t second = RoundTrips() - before - first;
  EXPECT_EQ(first, 1);  // BEGIN; PREPARE; EXECUTE; COMMIT
  EXPECT_EQ(second, 1);
  EXPECT_EQ(PreparedCopies(kInsert), 1);

  pqxx::connection primary(scratch_->Conninfo());
  EXPECT_EQ(pqxx::nontransaction(primary).exec1("SELECT label FROM items WHERE n = 1")[0].c_str(),
            std::string("o'brien $1"));
}

TEST_F(WritePreparedTest, ValuesBindAsTheirLiteralsDid) {
  int64_t n = -1;
  std::string label, at;
  absl::Status written = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Defer("INSERT INTO items (n, label, at) VALUES ($1, $2, nullif($3, '')::date)", 7,
             std::optional<std::string>(), std::string("2026-12-03"));
    pqxx::result row =
        tx.Query("SELECT n, coalesce(label, 'null'), at::text FROM items WHERE n = $1", 7);
    n = row[0][0].as<int64_t>();
    label = row[0][1].as<std::string>();
    at = row[0][2].as<std::string>();
    return absl::OkStatus();
  });
  ASSERT_TRUE(written.ok()) << written;
  EXPECT_EQ(n, 7);
  EXPECT_EQ(label, "null");
  EXPECT_EQ(at, "2026-12-03");
}

TEST_F(WritePreparedTest, AFailedRoundTripKeepsThePrepareThatRan) {
  ASSERT_TRUE(database_
                  ->Write([&](WriteTx& tx) -> absl::Status {
                    tx.ExecuteScript("INSERT INTO items (n) VALUES (5)");
                    return absl::OkStatus();
                  })
                  .ok());
  // The first use of kInsert fails on its key, after its PREPARE ran.
  absl::Status duplicate = Insert(5, "again");
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists) << duplicate;
  ASSERT_TRUE(Insert(6, "fresh").ok());
  // The ROLLBACK learnt that the session had it: not prepared twice.
  EXPECT_EQ(PreparedCopies(kInsert), 1);
}

TEST_F(WritePreparedTest, APrepareThatNeverRanIsPreparedAgain) {
  const std::string update = "UPDATE items SET label = $2 WHERE n = $1";
  // An earlier PREPARE of the same round trip fails (no such table), so
  // the UPDATE's never runs; the ROLLBACK learns that.
  absl::Status refused = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Defer("UPDATE no_such_table SET label = $1", std::string("x"));
    tx.Defer(update, 1, std::string("never"));
    return absl::OkStatus();
  });
  EXPECT_FALSE(refused.ok());
  ASSERT_TRUE(Insert(1, "a").ok());
  absl::Status updated = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Defer(update, 1, std::string("b"));
    return absl::OkStatus();
  });
  ASSERT_TRUE(updated.ok()) << updated;
  EXPECT_EQ(PreparedCopies(update), 1);
  pqxx::connection primary(scratch_->Conninfo());
  EXPECT_EQ(pqxx::nontransaction(primary).exec1("SELECT label FROM items WHERE n = 1")[0].c_str(),
            std::string("b"));
}

TEST_F(WritePreparedTest, AStatementPostgresCannotTypeRunsAsTextAfterOneFailedCall) {
  const std::string untypable = "SELECT count(*) FROM items WHERE $1 IS NULL";
  auto count = [&]() -> absl::StatusOr<int> {
    return database_->Write([&](WriteTx& tx) -> absl::StatusOr<int> {
      return tx.Query(untypable, std::string("x"))[0][0].as<int>();
    });
  };
  // PREPARE refuses it: could not determine the data type of $1.
  EXPECT_FALSE(count().ok());
  absl::StatusOr<int> counted = count();
  ASSERT_TRUE(counted.ok()) << counted.status();
  EXPECT_EQ(*counted, 0);
  EXPECT_EQ(PreparedCopies(untypable), 0);
}

TEST_F(WritePreparedTest, AStatementQueuedButNeverSentIsPreparedOnItsNextUse) {
  absl::Status abandoned = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Defer(kInsert, 1, std::string("never sent"));
    return absl::AbortedError("changed my mind");
  });
  EXPECT_EQ(abandoned.code(), absl::StatusCode::kAborted);
  ASSERT_TRUE(Insert(1, "sent").ok());
  EXPECT_EQ(PreparedCopies(kInsert), 1);
}

}  // namespace
}  // namespace qs::db
