// AsyncReadPool with statements that do not come back, against the real
// primary and replica of deploy/infra.sh: a table locked ACCESS EXCLUSIVE on
// the primary, the lock replayed on the replica (as migrations and VACUUM
// truncation do), so reads of it wait there. Reads of another table must
// keep being answered, the pool must stay within its cap, a stuck read
// nobody waits for must be cancelled on the server, and everything must
// recover once the lock is gone.
//
// Tagged exclusive: a replayed lock can hold up replay for other tests.
#include <algorithm>
#include <atomic>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/db/async_read_pool.h"
#include "gtest/gtest.h"
#include "tests/common/db/async_read_support.h"
#include "tests/common/db/backend_probes.h"
#include "tests/support/eventually.h"
#include "tests/support/replayed_table_lock.h"

namespace qs::db {
namespace {

using qs::db::testing::Answer;
using qs::db::testing::BackendHighWater;
using qs::db::testing::CountBackendsOn;
using qs::db::testing::PoolOptions;
using qs::db::testing::QueryAndWait;
using qs::db::testing::ReadTable;
using qs::db::testing::WaitingForALock;
using qs::testing::Eventually;
using qs::testing::ReplayedTableLock;
using qs::testing::TestInfra;

constexpr int kRows = 10;

class AsyncReadPoolStallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    locked_ = new ReadTable(kRows);
    free_ = new ReadTable(kRows);
  }
  static void TearDownTestSuite() {
    delete free_;
    delete locked_;
  }

  static std::vector<PreparedStatement> Statements() {
    return {
        {"count_locked", "SELECT count(*) AS n FROM " + locked_->name()},
        {"count_free", "SELECT count(*) AS n FROM " + free_->name()},
        {"sleep_40ms", "SELECT pg_sleep(0.04)"},
    };
  }

  // Where a test locks the tables (the primary, as the tables' owner).
  static std::string LockerConninfo() {
    const config::DbConfig config = TestInfra::Get().ServiceDbConfig("quest");
    return config.ConnectionString(config.host, config.port, "async-stall-locker");
  }

  static void WaitForConnections(AsyncReadPool& pool, int connections) {
    ASSERT_TRUE(Eventually([&] { return pool.Stats().open_connections == connections; }))
        << pool.Stats().open_connections << " open, want " << connections;
  }

  // `count` reads of the free table at once, each with `timeout`: how many
  // were answered with its rows.
  static int ReadFreeTable(AsyncReadPool& pool, int count, absl::Duration timeout) {
    std::vector<Answer<pqxx::result>> answers(count);
    for (Answer<pqxx::result>& answer : answers) {
      pool.Query("count_free", {}, absl::Now() + timeout, answer.Callback());
    }
    int answered = 0;
    for (Answer<pqxx::result>& answer : answers) {
      std::optional<absl::StatusOr<pqxx::result>> got = answer.Wait(timeout + absl::Seconds(5));
      if (!got.has_value()) continue;
      EXPECT_TRUE(got->ok()) << got->status();
      if (got->ok() && (**got)[0]["n"].as<int>() == kRows) ++answered;
    }
    return answered;
  }

  static ReadTable* locked_;
  static ReadTable* free_;
};
ReadTable* AsyncReadPoolStallTest::locked_ = nullptr;
ReadTable* AsyncReadPoolStallTest::free_ = nullptr;

// The colleague's measurement, inverted: with three reads stuck on a locked
// table, every read of another table is answered within a 500 ms deadline,
// in waves over the whole time the stuck ones are out (and after they time
// out and are cancelled), with never more backends than the cap; once the
// lock is gone the locked table reads again and the extra connections close.
TEST_F(AsyncReadPoolStallTest, StuckReadsDoNotHoldUpReadsOfAnotherTable) {
  AsyncReadPoolOptions options = PoolOptions("stall", Statements());
  options.connections = 2;
  options.max_connections = 4;
  options.extra_idle_timeout = absl::Milliseconds(500);
  std::vector<Answer<pqxx::result>> stuck(3);  // Before the pool: outlives its answers.
  AsyncReadPool pool(options);
  ASSERT_TRUE(QueryAndWait(pool, "count_free", {}).ok());
  WaitForConnections(pool, 2);
  BackendHighWater backends(options.name);

  ReplayedTableLock lock(LockerConninfo(), locked_->name());
  ASSERT_TRUE(lock.replayed()) << "the lock never reached the replica";
  const absl::Time stuck_at = absl::Now();
  for (Answer<pqxx::result>& answer : stuck) {
    pool.Query("count_locked", {}, stuck_at + absl::Seconds(1), answer.Callback());
  }
  // Past the stall threshold (100 ms) and one tick: both connections hold
  // a stuck read at their head.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_EQ(WaitingForALock(options.name), 2);

  // Waves of 20 until well after the stuck ones' deadline (and their
  // cancel): each read answered, all of them. (Without stall avoidance the
  // first waves queue behind the stuck reads until those are cancelled.)
  int waves = 0;
  while (absl::Now() < stuck_at + absl::Milliseconds(1800)) {
    const absl::Time wave_at = absl::Now();
    EXPECT_EQ(ReadFreeTable(pool, 20, absl::Milliseconds(500)), 20) << "wave " << waves;
    EXPECT_LT(absl::Now() - wave_at, absl::Milliseconds(500)) << "wave " << waves;
    ++waves;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(waves, 5);
  for (Answer<pqxx::result>& answer : stuck) {
    std::optional<absl::StatusOr<pqxx::result>> got = answer.Wait(absl::Seconds(5));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->status().code(), absl::StatusCode::kDeadlineExceeded) << got->status();
  }
  // Nobody waits for them: cancelled on the server, lock or no lock.
  EXPECT_TRUE(Eventually([&] { return WaitingForALock(options.name) == 0; }, absl::Seconds(3)))
      << WaitingForALock(options.name) << " stuck reads still on the replica";

  ASSERT_TRUE(lock.Release());
  EXPECT_TRUE(Eventually([&] {
    absl::StatusOr<pqxx::result> rows = QueryAndWait(pool, "count_locked", {}, absl::Seconds(1));
    return rows.ok() && (*rows)[0]["n"].as<int>() == kRows;
  })) << "the locked table did not read again once the lock was gone";
  // Idle for 500 ms: back to two.
  EXPECT_TRUE(Eventually([&] {
    return CountBackendsOn(TestInfra::Get().replica_port, options.name) == 2;
  })) << CountBackendsOn(TestInfra::Get().replica_port, options.name)
      << " backends";

  const int most = backends.Stop();
  const AsyncReadStats stats = pool.Stats();
  // The pool's own connections never pass the cap (4); a given-up one's
  // backend lingers on the server until its cancel lands.
  EXPECT_LE(most, 4 + static_cast<int>(stats.abandoned)) << "past the cap";
  EXPECT_GT(most, 2) << "no connection was opened in place of a stalled one";
  EXPECT_GE(stats.stalls, 2u);
  EXPECT_GE(stats.abandoned, 2u);
  EXPECT_GE(stats.cancels, 2u);
  EXPECT_EQ(stats.open_connections, 2);
  std::cout << waves << " waves; " << most << " backends at most; " << stats.stalls << " stalls, "
            << stats.cancels << " cancels, " << stats.abandoned << " connections given up, "
            << stats.idle_closed << " closed idle\n";
}

// With one connection and no room for another, only giving it up frees the
// pool: a stuck read whose caller timed out leaves the server (cancelled
// once its connection is closed; the lock still held), a read queued behind
// it on the same connection is sent again on a new one and answered with
// its rows (never hit by the cancel), and the pool serves again.
TEST_F(AsyncReadPoolStallTest, AStuckReadNobodyWaitsForIsCancelledAndTheConnectionServesAgain) {
  AsyncReadPoolOptions options = PoolOptions("cancel", Statements());
  options.connections = 1;
  options.max_connections = 1;
  Answer<pqxx::result> stuck;
  Answer<pqxx::result> behind;
  AsyncReadPool pool(options);
  ASSERT_TRUE(QueryAndWait(pool, "count_free", {}).ok());
  WaitForConnections(pool, 1);
  BackendHighWater backends(options.name);

  ReplayedTableLock lock(LockerConninfo(), locked_->name());
  ASSERT_TRUE(lock.replayed()) << "the lock never reached the replica";
  const absl::Time start = absl::Now();
  pool.Query("count_locked", {}, start + absl::Milliseconds(300), stuck.Callback());
  // Sent at once behind it (the connection is not stalled yet).
  pool.Query("count_free", {}, start + absl::Seconds(5), behind.Callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_EQ(WaitingForALock(options.name), 1);

  std::optional<absl::StatusOr<pqxx::result>> timed_out = stuck.Wait(absl::Seconds(5));
  ASSERT_TRUE(timed_out.has_value());
  EXPECT_EQ(timed_out->status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(stuck.answered_at() - start, absl::Milliseconds(600));

  std::optional<absl::StatusOr<pqxx::result>> after = behind.Wait(absl::Seconds(6));
  ASSERT_TRUE(after.has_value());
  ASSERT_TRUE(after->ok()) << after->status();
  EXPECT_EQ((**after)[0]["n"].as<int>(), kRows);
  EXPECT_LT(behind.answered_at() - start, absl::Seconds(1)) << "freed by the cancel, not later";
  EXPECT_EQ(WaitingForALock(options.name), 0);

  // The lock is still held: the only connection serves again anyway.
  for (int i = 0; i < 10; ++i) {
    absl::StatusOr<pqxx::result> rows = QueryAndWait(pool, "count_free", {}, absl::Seconds(1));
    ASSERT_TRUE(rows.ok()) << rows.status();
  }
  EXPECT_EQ(stuck.times(), 1) << "the cancelled statement's 57014 reached its caller";
  EXPECT_GE(pool.Stats().abandoned, 1u);
  EXPECT_TRUE(Eventually([&] { return pool.Stats().cancels >= 1; }));
  // The pool's own: 1. On the server the given-up backend lingers beside
  // the new one until its cancel lands.
  EXPECT_LE(pool.Stats().open_connections, 1);
  EXPECT_LE(backends.Stop(), 2);
  ASSERT_TRUE(lock.Release());
}

// A stall that ends by itself (the lock goes while the stuck reads' callers
// still wait): they get their rows, and the connections opened in their
// place close once idle, back to the configured count.
TEST_F(AsyncReadPoolStallTest, ExtraConnectionsCloseOnceTheStallIsOver) {
  AsyncReadPoolOptions options = PoolOptions("extras", Statements());
  options.connections = 2;
  options.max_connections = 4;
  options.extra_idle_timeout = absl::Milliseconds(300);
  std::vector<Answer<pqxx::result>> stuck(2);
  AsyncReadPool pool(options);
  ASSERT_TRUE(QueryAndWait(pool, "count_free", {}).ok());
  WaitForConnections(pool, 2);
  ReplayedTableLock lock(LockerConninfo(), locked_->name());
  ASSERT_TRUE(lock.replayed()) << "the lock never reached the replica";
  for (Answer<pqxx::result>& answer : stuck) {
    pool.Query("count_locked", {}, absl::Now() + absl::Seconds(20), answer.Callback());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_EQ(ReadFreeTable(pool, 10, absl::Seconds(2)), 10);
  EXPECT_GT(pool.Stats().open_connections, 2) << "none opened in place of the stalled ones";
  ASSERT_TRUE(lock.Release());
  for (Answer<pqxx::result>& answer : stuck) {
    std::optional<absl::StatusOr<pqxx::result>> got = answer.Wait(absl::Seconds(10));
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(got->ok()) << got->status();
    EXPECT_EQ((**got)[0]["n"].as<int>(), kRows);
  }
  EXPECT_TRUE(Eventually([&] { return pool.Stats().open_connections == 2; }))
      << pool.Stats().open_connections << " open";
  EXPECT_GE(pool.Stats().idle_closed, 1u);
  EXPECT_EQ(pool.Stats().abandoned, 0u) << "a connection with a live head was given up";
}

// A head whose caller is gone but which still moves (40 ms, under
// stall_after) is left to finish: nothing is cancelled or given up, so the
// reads pipelined behind it keep their answers. (A cancel sent to a live
// session could end the statement after the one it was meant for:
// PostgreSQL signals a backend twice per request.)
TEST_F(AsyncReadPoolStallTest, ADeadHeadThatStillMovesIsLeftToFinish) {
  AsyncReadPoolOptions options = PoolOptions("dead-head", Statements());
  options.connections = 1;
  AsyncReadPool pool(options);
  ASSERT_TRUE(QueryAndWait(pool, "count_free", {}).ok());
  for (int round = 0; round < 30; ++round) {
    Answer<pqxx::result> dead;
    Answer<pqxx::result> live;
    pool.Query("sleep_40ms", {}, absl::Now() + absl::Milliseconds(5), dead.Callback());
    pool.Query("count_free", {}, absl::Now() + absl::Seconds(5), live.Callback());
    std::optional<absl::StatusOr<pqxx::result>> got = live.Wait(absl::Seconds(10));
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(got->ok()) << "round " << round << ": " << got->status();
    ASSERT_TRUE(dead.Wait(absl::Seconds(10)).has_value());
  }
  EXPECT_EQ(pool.Stats().cancels, 0u);
  EXPECT_EQ(pool.Stats().abandoned, 0u);
}

// A connection opened while a table is locked: preparing a statement on
// that table would wait for the lock, and the connection with it. Under the
// prepare's lock_timeout it is ready at once; the statement that could not
// be prepared goes with its text there, and reads once the lock is gone.
TEST_F(AsyncReadPoolStallTest, AConnectionOpenedUnderALockServesAtOnce) {
  ReplayedTableLock lock(LockerConninfo(), locked_->name());
  ASSERT_TRUE(lock.replayed()) << "the lock never reached the replica";
  AsyncReadPoolOptions options = PoolOptions("prepare-locked", Statements());
  options.connections = 1;
  options.max_connections = 1;
  AsyncReadPool pool(options);
  const absl::Time start = absl::Now();
  absl::StatusOr<pqxx::result> first =
      QueryAndWait(pool, "count_free", {}, absl::Milliseconds(800));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)[0]["n"].as<int>(), kRows);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(800));
  EXPECT_EQ(WaitingForALock(options.name), 0) << "a prepare still waits for the lock";

  ASSERT_TRUE(lock.Release());
  absl::StatusOr<pqxx::result> locked = QueryAndWait(pool, "count_locked", {});
  ASSERT_TRUE(locked.ok()) << locked.status();
  EXPECT_EQ((*locked)[0]["n"].as<int>(), kRows);
  EXPECT_EQ(pool.Stats().connects, 1u) << "served by the connection opened under the lock";
}

}  // namespace
}  // namespace qs::db
