// AsyncReadPool when things go wrong, against the real primary and replica
// of deploy/infra.sh: sessions killed under a steady stream of calls, a
// connect that moves to its next host, a node that fails every connect
// fast, a statement libpq refuses, overload, and calls made from inside
// answers.
#include <algorithm>
#include <atomic>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/db/async_read_pool.h"
#include "gtest/gtest.h"
#include "tests/common/db/async_read_support.h"

namespace qs::db {
namespace {

using qs::db::testing::Answer;
using qs::db::testing::ClosingListener;
using qs::db::testing::CountBackendsOn;
using qs::db::testing::PoolOptions;
using qs::db::testing::QueryAndWait;
using qs::db::testing::ReadTable;
using qs::db::testing::TerminateBackendsOn;
using qs::testing::TestInfra;

class AsyncReadPoolFaultsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { table_ = new ReadTable(10); }
  static void TearDownTestSuite() { delete table_; }

  static std::vector<PreparedStatement> Statements() {
    return {
        {"count_rows", "SELECT count(*) FROM " + table_->name()},
        {"sleep", "SELECT pg_sleep($1::float8), 1 AS one"},
        {"sleep_then", "SELECT pg_sleep($1::float8), $2::int AS n"},
        {"backend", "SELECT pg_backend_pid() AS pid"},
        {"in_recovery", "SELECT pg_is_in_recovery()"},
        {"by_ids", "SELECT id FROM " + table_->name() + " WHERE id = ANY($1::uuid[])"},
    };
  }

  static ReadTable* table_;
};
ReadTable* AsyncReadPoolFaultsTest::table_ = nullptr;

// Waits until the pool has `connections` sessions open.
void WaitForConnections(AsyncReadPool& pool, int connections) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (pool.Stats().open_connections != connections && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(pool.Stats().open_connections, connections);
}

// A send can meet the end of the session before epoll reports it (calls
// posted in a burst are sent before the loop polls again): libpq then
// closes the socket itself, and only the pool can notice. None of these
// calls has a deadline: each must still be answered.
TEST_F(AsyncReadPoolFaultsTest, TerminatingSessionsUnderASteadyStreamLeavesNoCallUnanswered) {
  constexpr int kMaxCalls = 20000;
  // Before the pool: a call it still holds when an assertion fails must
  // not be answered into a destroyed object.
  std::vector<Answer<pqxx::result>> answers(kMaxCalls);
  AsyncReadPoolOptions options = PoolOptions("stream", Statements());
  options.connections = 2;
  AsyncReadPool pool(options);
  ASSERT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());
  WaitForConnections(pool, 2);

  std::atomic<int> sent{0};
  std::atomic<bool> stop{false};
  std::thread sender([&] {
    while (!stop && sent < kMaxCalls) {
      for (int burst = 0; burst < 10 && sent < kMaxCalls; ++burst) {
        const int i = sent;
        pool.Query("sleep_then", {"0", absl::StrCat(i)}, absl::InfiniteFuture(),
                   answers[i].Callback());
        ++sent;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  const int replica = TestInfra::Get().replica_port;
  int terminated = 0;
  for (int round = 0; round < 10; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    terminated += TerminateBackendsOn(replica, pool.name());
  }
  stop = true;
  sender.join();

  const absl::Time bound = absl::Now() + absl::Seconds(15);
  int ok = 0;
  int unavailable = 0;
  int exhausted = 0;
  for (int i = 0; i < sent; ++i) {
    auto answer = answers[i].Wait(std::max(bound - absl::Now(), absl::ZeroDuration()));
    ASSERT_TRUE(answer.has_value()) << "call " << i << " of " << sent.load() << " never answered ("
                                    << ok << " ok, " << unavailable << " unavailable before it)";
    if (answer->ok()) {
      EXPECT_EQ((**answer)[0]["n"].as<int>(), i);
      ++ok;
    } else if (answer->status().code() == absl::StatusCode::kResourceExhausted) {
      ++exhausted;  // Past max_pending while the sessions were replaced.
    } else {
      EXPECT_EQ(answer->status().code(), absl::StatusCode::kUnavailable) << answer->status();
      ++unavailable;
    }
    EXPECT_EQ(answers[i].times(), 1);
  }
  std::cout << sent << " calls, " << terminated << " sessions terminated: " << ok << " ok, "
            << unavailable << " unavailable, " << exhausted << " refused\n";
  EXPECT_GE(terminated, 10);
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<pqxx::result> next = QueryAndWait(pool, "count_rows", {});
    ASSERT_TRUE(next.ok()) << next.status();
  }
  WaitForConnections(pool, 2);
  EXPECT_EQ(CountBackendsOn(replica, pool.name()), 2);
}

// With target_session_attrs=standby and the primary listed first, libpq
// connects to the primary, finds it is no standby, closes that socket and
// opens one to the next host inside PQconnectPoll: the new socket usually
// gets the closed one's number, which epoll no longer watches.
TEST_F(AsyncReadPoolFaultsTest, AConnectThatMovesToItsNextHostIsFollowed) {
  AsyncReadPoolOptions options = PoolOptions("next-host", Statements());
  const config::DbConfig db = TestInfra::Get().ServiceDbConfig("quest");
  options.conninfo = absl::StrCat(db.ConnectionString(db.read_host, db.read_port, options.name),
                                  " host=", db.host, ",", db.read_host, " port=", db.port, ",",
                                  db.read_port, " target_session_attrs=standby");
  options.connections = 1;
  options.connect_timeout = absl::Seconds(5);
  AsyncReadPool pool(options);
  for (int i = 0; i < 3; ++i) {
    // Each round a new connection (the previous one is terminated).
    const absl::Time start = absl::Now();
    absl::StatusOr<pqxx::result> rows = QueryAndWait(pool, "in_recovery", {});
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_TRUE((*rows)[0][0].as<bool>()) << "not on the standby";
    EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << "waited for the connect timeout";
    EXPECT_EQ(TerminateBackendsOn(TestInfra::Get().replica_port, pool.name()), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// A node that fails every connect fast (refused, starting up, too many
// connections): only the reconnect timer tries again; calls meanwhile are
// answered at once and start no connect of their own.
TEST_F(AsyncReadPoolFaultsTest, WhileBackingOffCallsGetUnavailableAtOnceAndStartNoConnect) {
  ClosingListener closing;
  AsyncReadPoolOptions options = PoolOptions("backoff", Statements());
  const config::DbConfig db = TestInfra::Get().ServiceDbConfig("quest");
  options.conninfo = db.ConnectionString("127.0.0.1", closing.port(), options.name) +
                     " sslmode=disable gssencmode=disable";
  options.connections = 2;
  options.connect_timeout = absl::Seconds(2);
  AsyncReadPool pool(options);
  int calls = 0;
  const absl::Time start = absl::Now();
  while (absl::Now() - start < absl::Milliseconds(1500)) {
    const absl::Time sent = absl::Now();
    absl::StatusOr<pqxx::result> result = QueryAndWait(pool, "count_rows", {}, absl::Seconds(3));
    ASSERT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << result.status();
    EXPECT_LT(absl::Now() - sent, absl::Milliseconds(500));
    ++calls;
  }
  std::cout << calls << " calls, " << closing.accepted() << " connects\n";
  EXPECT_GE(calls, 50);
  // 2 at the first call, then one probe per backoff step (100, 200, 400,
  // 800 ms): about 6 in 1.5 s, whatever the number of calls.
  EXPECT_LE(closing.accepted(), 8);
}

TEST_F(AsyncReadPoolFaultsTest, AStatementLibpqRefusesFailsAloneAndKeepsTheConnection) {
  AsyncReadPoolOptions options = PoolOptions("refused-statement", Statements());
  options.connections = 1;
  AsyncReadPool pool(options);
  absl::StatusOr<pqxx::result> before = QueryAndWait(pool, "backend", {});
  ASSERT_TRUE(before.ok()) << before.status();
  const AsyncReadStats stats_before = pool.Stats();
  // libpq takes at most 65535 parameters, and says so without sending.
  std::vector<std::optional<std::string>> too_many(65536, std::nullopt);
  absl::StatusOr<pqxx::result> refused = QueryAndWait(pool, "count_rows", too_many);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInternal) << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "65535")) << refused.status();
  absl::StatusOr<pqxx::result> after = QueryAndWait(pool, "backend", {});
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ((*after)[0][0].as<int>(), (*before)[0][0].as<int>()) << "the session was replaced";
  const AsyncReadStats stats_after = pool.Stats();
  EXPECT_EQ(stats_after.retried, stats_before.retried);
  EXPECT_EQ(stats_after.connects, stats_before.connects);
}

// Where and when a call was answered; shared, so a late answer (the
// behaviour this test rules out) lands in live memory.
struct AnsweredOn {
  std::mutex mutex;
  std::thread::id thread;
  absl::Status status = absl::UnknownError("not answered");
};

TEST_F(AsyncReadPoolFaultsTest, ARefusedCallIsAnsweredAtOnceOnTheCallersThread) {
  std::vector<Answer<pqxx::result>> held(5);
  AsyncReadPoolOptions options = PoolOptions("inline-refusal", Statements());
  options.connections = 1;
  options.max_pending = 5;
  AsyncReadPool pool(options);
  for (Answer<pqxx::result>& answer : held) {
    pool.Query("sleep", {"0.3"}, absl::InfiniteFuture(), answer.Callback());
  }
  auto record = [](std::shared_ptr<AnsweredOn> on, absl::Status status) {
    std::lock_guard<std::mutex> lock(on->mutex);
    on->thread = std::this_thread::get_id();
    on->status = std::move(status);
  };
  for (int i = 0; i < 100; ++i) {
    auto on = std::make_shared<AnsweredOn>();
    pool.Query("count_rows", {}, absl::InfiniteFuture(),
               [on, record](absl::StatusOr<pqxx::result> r) { record(on, r.status()); });
    // Answered before Query returned: no closure queued per refusal.
    std::lock_guard<std::mutex> lock(on->mutex);
    EXPECT_EQ(on->thread, std::this_thread::get_id());
    EXPECT_EQ(on->status.code(), absl::StatusCode::kResourceExhausted) << on->status;
  }
  auto on = std::make_shared<AnsweredOn>();
  pool.Lookup({"by_ids", "id", LookupKeyForm::kUuid}, "not-a-uuid", absl::InfiniteFuture(),
              [on, record](absl::StatusOr<std::optional<pqxx::row>> r) { record(on, r.status()); });
  {
    std::lock_guard<std::mutex> lock(on->mutex);
    EXPECT_EQ(on->thread, std::this_thread::get_id());
    EXPECT_EQ(on->status.code(), absl::StatusCode::kInvalidArgument) << on->status;
  }
  for (Answer<pqxx::result>& answer : held) {
    auto value = answer.Wait();
    ASSERT_TRUE(value.has_value());
    EXPECT_TRUE(value->ok()) << value->status();
  }
  EXPECT_EQ(pool.Stats().rejected, 100u);
}

// A handler that retries UNAVAILABLE from inside its callback: during Stop
// (on the loop thread) and after it (on the caller's), each retry is
// answered after the callback returns, never inside it.
TEST_F(AsyncReadPoolFaultsTest, ACallMadeFromInsideAnAnswerIsNeverAnsweredInsideIt) {
  AsyncReadPool pool(PoolOptions("reentry", Statements()));
  ASSERT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());
  constexpr int kRetries = 2000;
  std::atomic<int> depth{0};
  std::atomic<int> max_depth{0};
  std::atomic<int> answers{0};
  std::atomic<int> unavailable{0};
  std::function<void(absl::StatusOr<pqxx::result>)> retry;
  retry = [&](absl::StatusOr<pqxx::result> result) {
    const int now = ++depth;
    max_depth = std::max(max_depth.load(), now);
    if (result.status().code() == absl::StatusCode::kUnavailable) ++unavailable;
    if (++answers < kRetries) pool.Query("count_rows", {}, absl::InfiniteFuture(), retry);
    --depth;
  };
  pool.Query("sleep", {"5"}, absl::InfiniteFuture(), retry);  // Out when Stop comes.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  pool.Stop();
  EXPECT_EQ(answers.load(), kRetries);
  EXPECT_EQ(unavailable.load(), kRetries);
  EXPECT_EQ(max_depth.load(), 1);

  answers = 0;
  unavailable = 0;
  max_depth = 0;
  pool.Query("count_rows", {}, absl::InfiniteFuture(), retry);  // After Stop: on this thread.
  EXPECT_EQ(answers.load(), kRetries);
  EXPECT_EQ(unavailable.load(), kRetries);
  EXPECT_EQ(max_depth.load(), 1);
}

// Calls answered by their deadlines while a live one holds the front of
// the queue (no slot free) are dropped from it, not kept until it moves.
TEST_F(AsyncReadPoolFaultsTest, ExpiredCallsBehindALiveOneDoNotAccumulate) {
  AsyncReadPoolOptions options = PoolOptions("compaction", Statements());
  options.connections = 1;
  options.pipeline_depth = 1;
  constexpr int kExpiring = 3000;
  std::vector<Answer<pqxx::result>> expiring(kExpiring);
  Answer<pqxx::result> blocker;
  Answer<pqxx::result> front;
  Answer<pqxx::result> last;
  AsyncReadPool pool(options);
  ASSERT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());
  pool.Query("sleep", {"1.5"}, absl::InfiniteFuture(), blocker.Callback());
  pool.Query("count_rows", {}, absl::Now() + absl::Seconds(20), front.Callback());
  for (int i = 0; i < kExpiring; ++i) {
    pool.Query("count_rows", {}, absl::Now() + absl::Milliseconds(1), expiring[i].Callback());
  }
  for (Answer<pqxx::result>& answer : expiring) {
    auto value = answer.Wait(absl::Seconds(5));
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(value->status().code(), absl::StatusCode::kDeadlineExceeded) << value->status();
  }
  pool.Query("count_rows", {}, absl::Now() + absl::Seconds(20), last.Callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(front.times(), 0) << "the blocker should still hold the only slot";
  // Three calls live (blocker, front, last): compacted to the two waiting,
  // instead of 3,000 stale ids kept behind the front.
  EXPECT_LE(pool.Stats().queued_entries, 2u * 3 + 64 + 1) << pool.Stats().queued_entries;
  for (Answer<pqxx::result>* answer : {&blocker, &front, &last}) {
    auto value = answer->Wait();
    ASSERT_TRUE(value.has_value());
    EXPECT_TRUE(value->ok()) << value->status();
  }
}

}  // namespace
}  // namespace qs::db
