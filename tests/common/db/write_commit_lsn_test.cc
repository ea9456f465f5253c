// WriteTx's own BEGIN/COMMIT (transaction.h) against the real primary:
// during a call a committed write records a commit LSN the primary has
// reached, outside a call none is asked for; a callback's error, a failing
// statement and a COMMIT PostgreSQL refuses all roll back, record nothing,
// and leave the connection usable for the next write; a callback that
// swallows a statement's error and returns OK gets an error, not a commit.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "common/base/call_context.h"
#include "common/db/database.h"
#include "common/db/lsn.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

using ::qs::testing::ScratchDatabase;

class WriteCommitLsnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<ScratchDatabase>("quest");
    // The runtime role may not create tables: the owner role does, and grants.
    pqxx::connection owner(scratch_->Conninfo());
    pqxx::nontransaction(owner).exec(
        "CREATE TABLE items (n bigint PRIMARY KEY);"
        "CREATE TABLE checked (n bigint REFERENCES items (n) DEFERRABLE INITIALLY DEFERRED);"
        "GRANT SELECT, INSERT ON items, checked TO quest_svc");
    config::DbConfig config = scratch_->Config();
    config.max_connections = 1;  // Every write reuses the one connection.
    config.min_connections = 1;
    database_ = std::make_unique<Database>(config, "commit-lsn-test");
  }
  void TearDown() override {
    database_.reset();
    scratch_.reset();
  }

  absl::Status Insert(const std::string& table, int64_t n) {
    return database_->Write([&](WriteTx& tx) -> absl::Status {
      tx.Query("INSERT INTO " + table + " (n) VALUES ($1)", n);
      return absl::OkStatus();
    });
  }

  // As the owner role, on the primary.
  int64_t Count(const std::string& table) {
    pqxx::connection primary(scratch_->Conninfo());
    return pqxx::nontransaction(primary).exec("SELECT count(*) FROM " + table)[0][0].as<int64_t>();
  }

  uint64_t PrimaryInsertLsn() {
    pqxx::connection primary(scratch_->Conninfo());
    return *ParseLsn(pqxx::nontransaction(primary)
                         .exec("SELECT pg_current_wal_insert_lsn()::text")[0][0]
                         .as<std::string>());
  }

  std::unique_ptr<ScratchDatabase> scratch_;
  std::unique_ptr<Database> database_;
};

TEST_F(WriteCommitLsnTest, ACommittedWriteInACallRecordsAPositionThePrimaryHasReached) {
  const uint64_t before = PrimaryInsertLsn();
  base::CallContext call;
  {
    const base::ScopedCall current(&call);
    ASSERT_TRUE(Insert("items", 1).ok());
  }
  EXPECT_GT(call.commit_lsn, before);
  EXPECT_LE(call.commit_lsn, PrimaryInsertLsn());
  EXPECT_EQ(Count("items"), 1);
  // A second write of the same call raises it.
  const uint64_t first = call.commit_lsn;
  {
    const base::ScopedCall current(&call);
    ASSERT_TRUE(Insert("items", 2).ok());
  }
  EXPECT_GT(call.commit_lsn, first);
}

TEST_F(WriteCommitLsnTest, OutsideACallTheWriteCommitsAsBefore) {
  ASSERT_TRUE(Insert("items", 1).ok());
  EXPECT_EQ(Count("items"), 1);
}

TEST_F(WriteCommitLsnTest, FailuresRollBackRecordNothingAndKeepTheConnectionUsable) {
  ASSERT_TRUE(Insert("items", 1).ok());
  base::CallContext call;
  const base::ScopedCall current(&call);
  // The callback refuses: rolled back.
  absl::Status refused = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Query("INSERT INTO items (n) VALUES (10)");
    return absl::FailedPreconditionError("changed my mind");
  });
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  // A statement fails (duplicate key): rolled back, mapped to a status.
  absl::Status duplicate = Insert("items", 1);
  EXPECT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.code(), absl::StatusCode::kUnknown) << duplicate;
  // PostgreSQL refuses the COMMIT itself (a deferred foreign key): the
  // commit's own error, and no "no transaction in progress" afterwards.
  absl::Status at_commit = Insert("checked", 999);
  EXPECT_FALSE(at_commit.ok());
  EXPECT_NE(at_commit.code(), absl::StatusCode::kUnknown) << at_commit;
  EXPECT_EQ(call.commit_lsn, 0u);
  EXPECT_EQ(Count("items"), 1);
  EXPECT_EQ(Count("checked"), 0);
  // The one connection is clean: the next write commits.
  ASSERT_TRUE(Insert("items", 3).ok());
  EXPECT_GT(call.commit_lsn, 0u);
  EXPECT_EQ(Count("items"), 2);
}

// The one pooled connection's backend: the same pid means it was reused.
// Transactions that ended cleanly (committed, refused by COMMIT, rolled
// back) keep their connection; one whose session died is dropped, and the
// next write gets a fresh one.
TEST_F(WriteCommitLsnTest, CleanEndsKeepTheConnectionALostOneIsReplaced) {
  auto backend = [&]() -> int64_t {
    int64_t pid = 0;
    EXPECT_TRUE(database_
                    ->Write([&](WriteTx& tx) -> absl::Status {
                      pid = tx.Query("SELECT pg_backend_pid()")[0][0].as<int64_t>();
                      return absl::OkStatus();
                    })
                    .ok());
    return pid;
  };
  const int64_t first = backend();
  ASSERT_TRUE(Insert("items", 1).ok());
  EXPECT_FALSE(Insert("items", 1).ok());    // A statement fails: rolled back.
  EXPECT_FALSE(Insert("checked", 9).ok());  // COMMIT refuses.
  EXPECT_EQ(backend(), first);
  // The session dies inside the transaction (its ROLLBACK cannot run).
  absl::Status killed = database_->Write([&](WriteTx& tx) -> absl::Status {
    tx.Query("SELECT pg_terminate_backend(pg_backend_pid())");
    return absl::OkStatus();
  });
  EXPECT_EQ(killed.code(), absl::StatusCode::kUnavailable) << killed;
  const int64_t replaced = backend();
  EXPECT_NE(replaced, 0);
  EXPECT_NE(replaced, first);
}

// After a failed statement PostgreSQL has aborted the transaction and
// would answer COMMIT with ROLLBACK (no error): the write must not be
// reported as committed, in a call (COMMIT + position query) or outside.
TEST_F(WriteCommitLsnTest, ACallbackSwallowingAStatementErrorGetsAnErrorAndNoPosition) {
  ASSERT_TRUE(Insert("items", 1).ok());
  auto swallowing = [&](WriteTx& tx) -> absl::Status {
    tx.Query("INSERT INTO items (n) VALUES (20)");
    try {
      tx.Query("INSERT INTO items (n) VALUES (1)");  // Duplicate key.
    } catch (const pqxx::sql_error&) {
      // Swallowed: the bug under test.
    }
    return absl::OkStatus();
  };
  base::CallContext call;
  {
    const base::ScopedCall current(&call);
    absl::Status in_call = database_->Write(swallowing);
    EXPECT_EQ(in_call.code(), absl::StatusCode::kInternal) << in_call;
  }
  EXPECT_EQ(call.commit_lsn, 0u);
  absl::Status outside = database_->Write(swallowing);
  EXPECT_EQ(outside.code(), absl::StatusCode::kInternal) << outside;
  EXPECT_EQ(Count("items"), 1);  // Neither the 20 nor anything else.
  // Rolled back, not left inside the aborted transaction: the one
  // connection takes the next write.
  {
    const base::ScopedCall current(&call);
    ASSERT_TRUE(Insert("items", 21).ok());
  }
  EXPECT_GT(call.commit_lsn, 0u);
  EXPECT_EQ(Count("items"), 2);
}

// With synchronous_commit on (the default) the reported position is the
// flush LSN: at or past the commit (a fresh connection sees it flushed) and
// never past what the primary has flushed.
TEST_F(WriteCommitLsnTest, TheReportedPositionIsFlushedWal) {
  base::CallContext call;
  {
    const base::ScopedCall current(&call);
    ASSERT_TRUE(Insert("items", 1).ok());
  }
  pqxx::connection primary(scratch_->Conninfo());
  const uint64_t flushed = *ParseLsn(pqxx::nontransaction(primary)
                                         .exec("SELECT pg_current_wal_flush_lsn()::text")[0][0]
                                         .as<std::string>());
  EXPECT_GT(call.commit_lsn, 0u);
  EXPECT_LE(call.commit_lsn, flushed);
}

}  // namespace
}  // namespace qs::db
