// AsyncReadPool against the real primary and streaming replica of
// deploy/infra.sh. Each pool is named uniquely, so its backends can be
// counted and terminated in pg_stat_activity by application_name.
#include "common/db/async_read_pool.h"

#include <atomic>
#include <iostream>
#include <memory>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/common/db/async_read_support.h"
#include "tests/support/silent_listener.h"

namespace qs::db {
namespace {

using qs::db::testing::Answer;
using qs::db::testing::CountBackendsOn;
using qs::db::testing::PoolOptions;
using qs::db::testing::QueryAndWait;
using qs::db::testing::ReadTable;
using qs::db::testing::TerminateBackendsOn;
using qs::testing::SilentListener;
using qs::testing::TestInfra;

constexpr int kRows = 400;

class AsyncReadPoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    table_ = new ReadTable(kRows);
    ids_ = new std::vector<std::string>(table_->Ids());
  }
  static void TearDownTestSuite() {
    delete ids_;
    delete table_;
  }

  static std::vector<PreparedStatement> Statements() {
    const std::string& t = table_->name();
    return {
        {"by_id", "SELECT id, name, score, note, created_at FROM " + t + " WHERE id = $1"},
        {"all_rows", "SELECT id, name, score, note, created_at FROM " + t + " ORDER BY score"},
        {"by_ids", "SELECT id, name, score FROM " + t + " WHERE id = ANY($1::uuid[])"},
        {"by_names", "SELECT name, score FROM " + t + " WHERE name = ANY($1::text[])"},
        {"types",
         "SELECT $1::int + 1 AS next, $2::text IS NULL AS was_null, 1.5::numeric AS n,"
         " true AS b, '{1,2}'::int[] AS a, 'ü ✓'::text AS u, NULL::int AS nothing"},
        {"sleep", "SELECT pg_sleep($1::float8), 1 AS one"},
        {"sleep_then", "SELECT pg_sleep($1::float8), $2::int AS n"},
        {"insert", "INSERT INTO " + t + " (name, score) VALUES ($1, 0)"},
        {"count_rows", "SELECT count(*) FROM " + t},
    };
  }

  static const std::vector<std::string>& ids() { return *ids_; }

  static ReadTable* table_;
  static std::vector<std::string>* ids_;
};
ReadTable* AsyncReadPoolTest::table_ = nullptr;
std::vector<std::string>* AsyncReadPoolTest::ids_ = nullptr;

void ExpectSameRows(const pqxx::result& expected, const pqxx::result& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  ASSERT_EQ(expected.columns(), actual.columns());
  for (pqxx::row::size_type c = 0; c < expected.columns(); ++c) {
    EXPECT_STREQ(expected.column_name(c), actual.column_name(c));
    EXPECT_EQ(expected.column_type(c), actual.column_type(c));
  }
  for (pqxx::result::size_type r = 0; r < expected.size(); ++r) {
    for (pqxx::row::size_type c = 0; c < expected.columns(); ++c) {
      ASSERT_EQ(expected[r][c].is_null(), actual[r][c].is_null()) << "row " << r << " col " << c;
      EXPECT_STREQ(expected[r][c].c_str(), actual[r][c].c_str()) << "row " << r << " col " << c;
    }
  }
}

TEST_F(AsyncReadPoolTest, ResultsEqualTheBlockingPathsForTheSameStatements) {
  AsyncReadPool pool(PoolOptions("equal", Statements()));
  Database& db = table_->db();
  struct Case {
    std::string statement;
    std::vector<std::string> params;
  };
  const std::vector<Case> cases = {
      {"by_id", {ids()[0]}},                                // a row with a NULL note (score 1)
      {"by_id", {ids()[1]}},                                // and one without
      {"by_id", {"00000000-0000-4000-8000-000000000000"}},  // no row
      {"all_rows", {}},                                     // many rows
      {"by_ids", {absl::StrCat("{", ids()[5], ",", ids()[7], "}")}},
      {"types", {"41", "x"}},  // numeric, bool, array, UTF-8, NULL column
  };
  for (const Case& c : cases) {
    // The blocking path runs the same SQL text (the Database above has no
    // prepared statements of this table).
    std::string sql;
    for (const PreparedStatement& s : Statements()) {
      if (s.name == c.statement) sql = s.sql;
    }
    absl::StatusOr<pqxx::result> expected =
        db.Read([&](ReadTx& tx) -> absl::StatusOr<pqxx::result> {
          switch (c.params.size()) {
            case 0:
              return tx.Query(sql);
            case 1:
              return tx.Query(sql, c.params[0]);
            default:
              return tx.Query(sql, c.params[0], c.params[1]);
          }
        });
    ASSERT_TRUE(expected.ok()) << expected.status();
    std::vector<std::optional<std::string>> params(c.params.begin(), c.params.end());
    absl::StatusOr<pqxx::result> actual = QueryAndWait(pool, c.statement, params);
    ASSERT_TRUE(actual.ok()) << c.statement << ": " << actual.status();
    SCOPED_TRACE(c.statement);
    ExpectSameRows(*expected, *actual);
  }
  // The stores' row-mapping code reads the async result like any other.
  absl::StatusOr<pqxx::result> all = QueryAndWait(pool, "all_rows", {});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), static_cast<size_t>(kRows));
  EXPECT_EQ((*all)[9]["score"].as<int>(), 10);
  EXPECT_EQ((*all)[9]["note"].as<std::string>(), "even 10");
  EXPECT_TRUE((*all)[8]["note"].is_null());
}

TEST_F(AsyncReadPoolTest, ANullParameterIsSqlNull) {
  AsyncReadPool pool(PoolOptions("null", Statements()));
  absl::StatusOr<pqxx::result> rows = QueryAndWait(pool, "types", {"1", std::nullopt});
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0]["next"].as<int>(), 2);
  EXPECT_TRUE((*rows)[0]["was_null"].as<bool>());
  EXPECT_TRUE((*rows)[0]["nothing"].is_null());
}

TEST_F(AsyncReadPoolTest, CoalescesConcurrentLookupsAndGivesEachCallerItsOwnRow) {
  AsyncReadPool pool(PoolOptions("coalesce", Statements()));
  const CoalescedLookup by_ids{"by_ids", "id", LookupKeyForm::kUuid};
  std::vector<std::string> keys(ids().begin(), ids().begin() + 150);
  std::set<std::string> missing;
  for (int i = 0; i < 50; ++i) {
    std::string key = absl::StrCat("ffffffff-0000-4000-8000-", absl::Dec(i, absl::kZeroPad12));
    missing.insert(key);
    keys.push_back(key);
  }
  // Upper case for some: matched in canonical (lowercase) form.
  for (int i = 0; i < 10; ++i) keys[i] = absl::AsciiStrToUpper(keys[i]);

  std::vector<Answer<std::optional<pqxx::row>>> answers(keys.size());
  std::vector<std::thread> callers;
  std::atomic<int> next{0};
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int i = next++; i < static_cast<int>(keys.size()); i = next++) {
        pool.Lookup(by_ids, keys[i], absl::Now() + absl::Seconds(10), answers[i].Callback());
      }
    });
  }
  for (std::thread& caller : callers) caller.join();

  for (size_t i = 0; i < keys.size(); ++i) {
    std::optional<absl::StatusOr<std::optional<pqxx::row>>> answer = answers[i].Wait();
    ASSERT_TRUE(answer.has_value()) << "no answer for " << keys[i];
    ASSERT_TRUE(answer->ok()) << answer->status();
    const std::string key = absl::AsciiStrToLower(keys[i]);
    if (missing.count(key) > 0) {
      EXPECT_FALSE((*answer)->has_value()) << key;
    } else {
      ASSERT_TRUE((*answer)->has_value()) << key;
      EXPECT_EQ((**answer)->at("id").as<std::string>(), key);
      EXPECT_EQ((**answer)->at("score").as<int>(), static_cast<int>(i) + 1);
    }
    EXPECT_EQ(answers[i].times(), 1);
  }
  AsyncReadStats stats = pool.Stats();
  EXPECT_EQ(stats.lookups, keys.size());
  // Coalescing happened: fewer statements than lookups, every key sent once.
  EXPECT_LT(stats.lookup_batches, keys.size() / 2) << stats.lookup_batches;
  EXPECT_EQ(stats.lookup_keys_sent, keys.size());
  EXPECT_EQ(stats.statements_sent, stats.lookup_batches);
}

TEST_F(AsyncReadPoolTest, AKeyAskedTwiceInOneBatchSharesOneRow) {
  AsyncReadPool pool(PoolOptions("duplicates", Statements()));
  const CoalescedLookup by_names{"by_names", "name", LookupKeyForm::kExact};
  std::vector<Answer<std::optional<pqxx::row>>> answers(60);
  // The first lookup waits for the pool's first connection: the others
  // gather behind it.
  for (int i = 0; i < 60; ++i) {
    pool.Lookup(by_names, absl::StrCat("row-", i % 3 + 1), absl::InfiniteFuture(),
                answers[i].Callback());
  }
  for (int i = 0; i < 60; ++i) {
    auto answer = answers[i].Wait();
    ASSERT_TRUE(answer.has_value() && answer->ok());
    ASSERT_TRUE((*answer)->has_value());
    EXPECT_EQ((**answer)->at("score").as<int>(), i % 3 + 1);
  }
  EXPECT_LE(pool.Stats().lookup_keys_sent, 6u) << "3 distinct keys, at most 2 batches";
}

TEST_F(AsyncReadPoolTest, AMalformedUuidKeyIsRefusedAndSentNowhere) {
  AsyncReadPool pool(PoolOptions("bad-key", Statements()));
  const CoalescedLookup by_ids{"by_ids", "id", LookupKeyForm::kUuid};
  Answer<std::optional<pqxx::row>> bad;
  Answer<std::optional<pqxx::row>> good;
  pool.Lookup(by_ids, "not-a-uuid", absl::InfiniteFuture(), bad.Callback());
  pool.Lookup(by_ids, ids()[3], absl::InfiniteFuture(), good.Callback());
  auto refused = bad.Wait();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(refused->status().message(), "key:")) << refused->status();
  auto found = good.Wait();
  ASSERT_TRUE(found.has_value() && found->ok() && (*found)->has_value());
  EXPECT_EQ(pool.Stats().lookup_keys_sent, 1u);
}

TEST_F(AsyncReadPoolTest, AQueryOutPastItsDeadlineIsAnsweredAtTheDeadline) {
  AsyncReadPool pool(PoolOptions("deadline", Statements()));
  ASSERT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());  // Connected.
  Answer<pqxx::result> answer;
  const absl::Time start = absl::Now();
  pool.Query("sleep", {"2"}, start + absl::Milliseconds(300), answer.Callback());
  auto result = answer.Wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().code(), absl::StatusCode::kDeadlineExceeded) << result->status();
  const absl::Duration took = answer.answered_at() - start;
  EXPECT_GE(took, absl::Milliseconds(300));
  EXPECT_LT(took, absl::Milliseconds(700));
  // The late answer is dropped: still one answer after the sleep ends.
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  EXPECT_EQ(answer.times(), 1);
  EXPECT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());
}

TEST_F(AsyncReadPoolTest, AQueryNotSentByItsDeadlineIsNeverSent) {
  AsyncReadPoolOptions options = PoolOptions("unsent", Statements());
  options.connections = 1;
  options.pipeline_depth = 1;
  AsyncReadPool pool(options);
  ASSERT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());
  const uint64_t sent_before = pool.Stats().statements_sent;
  Answer<pqxx::result> blocker;
  Answer<pqxx::result> late;
  pool.Query("sleep", {"0.8"}, absl::InfiniteFuture(), blocker.Callback());
  const absl::Time start = absl::Now();
  pool.Query("count_rows", {}, start + absl::Milliseconds(200), late.Callback());
  auto result = late.Wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(late.answered_at() - start, absl::Milliseconds(500));
  ASSERT_TRUE(blocker.Wait().has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(pool.Stats().statements_sent, sent_before + 1) << "the expired query was sent";
}

TEST_F(AsyncReadPoolTest, NeverOpensMoreThanItsConnectionsUnder500ConcurrentQueries) {
  AsyncReadPoolOptions options = PoolOptions("cap", Statements());
  options.connections = 3;
  AsyncReadPool pool(options);
  const int replica = TestInfra::Get().replica_port;
  std::atomic<bool> done{false};
  std::atomic<int> max_seen{0};
  std::thread monitor([&] {
    while (!done) {
      int now = CountBackendsOn(replica, options.name);
      int previous = max_seen.load();
      while (now > previous && !max_seen.compare_exchange_weak(previous, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  constexpr int kQueries = 500;
  std::vector<Answer<pqxx::result>> answers(kQueries);
  for (int i = 0; i < kQueries; ++i) {
    pool.Query("sleep_then", {"0.002", absl::StrCat(i)}, absl::Now() + absl::Seconds(30),
               answers[i].Callback());
  }
  int ok = 0;
  for (int i = 0; i < kQueries; ++i) {
    auto answer = answers[i].Wait();
    ASSERT_TRUE(answer.has_value());
    ASSERT_TRUE(answer->ok()) << answer->status();
    EXPECT_EQ((**answer)[0]["n"].as<int>(), i);
    ++ok;
  }
  done = true;
  monitor.join();
  EXPECT_EQ(ok, kQueries);
  EXPECT_GT(max_seen.load(), 1) << "the load never used a second connection";
  EXPECT_LE(max_seen.load(), 3);
  EXPECT_EQ(pool.Stats().open_connections, 3);
}

TEST_F(AsyncReadPoolTest, PastItsQueueBoundACallIsRefusedAtOnce) {
  AsyncReadPoolOptions options = PoolOptions("bound", Statements());
  options.connections = 1;
  options.max_pending = 10;
  AsyncReadPool pool(options);
  std::vector<Answer<pqxx::result>> held(10);
  for (Answer<pqxx::result>& answer : held) {
    pool.Query("sleep", {"0.2"}, absl::InfiniteFuture(), answer.Callback());
  }
  Answer<pqxx::result> refused;
  const absl::Time start = absl::Now();
  pool.Query("count_rows", {}, absl::InfiniteFuture(), refused.Callback());
  auto result = refused.Wait();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().code(), absl::StatusCode::kResourceExhausted) << result->status();
  EXPECT_LT(refused.answered_at() - start, absl::Milliseconds(50));
  for (Answer<pqxx::result>& answer : held) {
    auto value = answer.Wait();
    ASSERT_TRUE(value.has_value());
    EXPECT_TRUE(value->ok()) << value->status();
  }
  EXPECT_EQ(pool.Stats().rejected, 1u);
  // Room again once they are answered.
  EXPECT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());
}

TEST_F(AsyncReadPoolTest, UnreachableNodeGivesUnavailableWithinTheConnectTimeout) {
  AsyncReadPoolOptions options = PoolOptions("refused", Statements());
  config::DbConfig db = TestInfra::Get().ServiceDbConfig("quest");
  options.conninfo =
      db.ConnectionString("127.0.0.1", qs::testing::FreeLoopbackPort(), options.name);
  options.connect_timeout = absl::Seconds(2);
  AsyncReadPool pool(options);
  const absl::Time start = absl::Now();
  absl::StatusOr<pqxx::result> result = QueryAndWait(pool, "count_rows", {});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << result.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_NE(result.status().message().find(options.name), std::string::npos);
  EXPECT_EQ(result.status().message().find(db.password), std::string::npos);
}

TEST_F(AsyncReadPoolTest, ANodeThatNeverAnswersGivesUnavailableAtTheConnectTimeout) {
  // libpq waits for the server's reply; the pool's timer ends it.
  SilentListener silent;
  ASSERT_TRUE(silent.listening()) << silent.error();

  AsyncReadPoolOptions options = PoolOptions("silent", Statements());
  config::DbConfig db = TestInfra::Get().ServiceDbConfig("quest");
  options.conninfo =
      db.ConnectionString("127.0.0.1", silent.port(), options.name) + " sslmode=disable";
  options.connect_timeout = absl::Seconds(1);
  AsyncReadPool pool(options);
  const absl::Time start = absl::Now();
  absl::StatusOr<pqxx::result> result = QueryAndWait(pool, "count_rows", {});
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnavailable) << result.status();
  EXPECT_GE(took, absl::Milliseconds(950));
  EXPECT_LT(took, absl::Milliseconds(1800));
}

// Sends `count` queries that each hold their backend 50 ms, terminates
// backends of `pool` on the replica after 100 ms (all of them, or one), and
// returns how many answers were OK and how many UNAVAILABLE (nothing else
// may come back).
struct Outcome {
  int ok = 0;
  int unavailable = 0;
};
Outcome TerminateMidPipeline(AsyncReadPool& pool, bool all_backends, int count) {
  const int replica = TestInfra::Get().replica_port;
  std::vector<Answer<pqxx::result>> answers(count);
  for (int i = 0; i < count; ++i) {
    pool.Query("sleep_then", {"0.05", absl::StrCat(i)}, absl::Now() + absl::Seconds(20),
               answers[i].Callback());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (all_backends) {
    EXPECT_GE(TerminateBackendsOn(replica, pool.name()), 1);
  } else {
    const TestInfra& infra = TestInfra::Get();
    pqxx::connection admin(infra.AdminConnectionString(replica, "postgres"));
    pqxx::nontransaction tx(admin);
    EXPECT_TRUE(tx.exec_params1("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
                                " WHERE application_name = $1 ORDER BY pid LIMIT 1",
                                pool.name())[0]
                    .as<bool>());
  }
  Outcome outcome;
  for (int i = 0; i < count; ++i) {
    auto answer = answers[i].Wait();
    EXPECT_TRUE(answer.has_value()) << i;
    if (!answer.has_value()) continue;
    if (answer->ok()) {
      EXPECT_EQ((**answer)[0]["n"].as<int>(), i);
      ++outcome.ok;
    } else {
      EXPECT_EQ(answer->status().code(), absl::StatusCode::kUnavailable) << answer->status();
      ++outcome.unavailable;
    }
  }
  EXPECT_EQ(outcome.ok + outcome.unavailable, count);
  return outcome;
}

void ExpectRecovered(AsyncReadPool& pool, int connections) {
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<pqxx::result> next = QueryAndWait(pool, "count_rows", {});
    ASSERT_TRUE(next.ok()) << next.status();
  }
  // Replaced in the background, up to its size again.
  const int replica = TestInfra::Get().replica_port;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (CountBackendsOn(replica, pool.name()) != connections && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(CountBackendsOn(replica, pool.name()), connections);
}

TEST_F(AsyncReadPoolTest, ALostConnectionsQueriesAreRetriedOnAnother) {
  AsyncReadPoolOptions options = PoolOptions("terminate-one", Statements());
  options.connections = 2;
  AsyncReadPool pool(options);
  ASSERT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());
  Outcome outcome = TerminateMidPipeline(pool, /*all_backends=*/false, 40);
  // Reads are idempotent: sent once more on the other connection, they pass.
  EXPECT_EQ(outcome.unavailable, 0);
  EXPECT_GT(pool.Stats().retried, 0u);
  ExpectRecovered(pool, 2);
}

TEST_F(AsyncReadPoolTest, PgTerminateBackendOfEveryConnectionGivesAClearStatusAndThenRecovers) {
  AsyncReadPoolOptions options = PoolOptions("terminate-all", Statements());
  options.connections = 2;
  AsyncReadPool pool(options);
  ASSERT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());
  Outcome outcome = TerminateMidPipeline(pool, /*all_backends=*/true, 40);
  EXPECT_GT(pool.Stats().retried, 0u);
  std::cout << "terminate all: " << outcome.ok << " ok, " << outcome.unavailable
            << " unavailable\n";
  ExpectRecovered(pool, 2);
}

TEST_F(AsyncReadPoolTest, AWriteStatementFailsOnTheReadOnlySession) {
  // Even on the primary (DB_READ_HOST = DB_HOST in development) the session
  // is read-only, so a write through the read path fails loudly.
  AsyncReadPool pool(PoolOptions("write", Statements(), /*on_primary=*/true));
  absl::StatusOr<pqxx::result> written = QueryAndWait(pool, "insert", {"sneaky"});
  EXPECT_EQ(written.status().code(), absl::StatusCode::kFailedPrecondition) << written.status();
  EXPECT_NE(written.status().message().find("read-only"), std::string::npos) << written.status();
  absl::StatusOr<pqxx::result> count = QueryAndWait(pool, "count_rows", {});
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ((*count)[0][0].as<int>(), kRows);
}

TEST_F(AsyncReadPoolTest, ErrorsMapLikeTheBlockingPath) {
  AsyncReadPool pool(PoolOptions("errors", Statements()));
  // A bad parameter is the caller's: INVALID_ARGUMENT (22P02), as db_error.h.
  EXPECT_EQ(QueryAndWait(pool, "by_id", {"not-a-uuid"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A statement nobody prepared is a bug: INTERNAL.
  EXPECT_EQ(QueryAndWait(pool, "no_such_statement", {}).status().code(),
            absl::StatusCode::kInternal);
  // And neither disturbs the pipeline behind it.
  EXPECT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());
}

TEST_F(AsyncReadPoolTest, StopAnswersEverythingPendingWithUnavailable) {
  auto pool = std::make_unique<AsyncReadPool>(PoolOptions("stop", Statements()));
  std::vector<Answer<pqxx::result>> answers(8);
  for (Answer<pqxx::result>& answer : answers) {
    pool->Query("sleep", {"5"}, absl::InfiniteFuture(), answer.Callback());
  }
  Answer<std::optional<pqxx::row>> lookup;
  pool->Lookup({"by_ids", "id", LookupKeyForm::kUuid}, ids()[0], absl::InfiniteFuture(),
               lookup.Callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const absl::Time start = absl::Now();
  pool->Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  for (Answer<pqxx::result>& answer : answers) {
    auto value = answer.Wait(absl::Seconds(1));
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(value->status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(answer.times(), 1);
  }
  auto looked_up = lookup.Wait(absl::Seconds(1));
  ASSERT_TRUE(looked_up.has_value());
  EXPECT_TRUE(looked_up->ok() || looked_up->status().code() == absl::StatusCode::kUnavailable);
  // After Stop, calls are answered at once, on the caller's thread.
  Answer<pqxx::result> after;
  pool->Query("count_rows", {}, absl::InfiniteFuture(), after.Callback());
  EXPECT_EQ(after.times(), 1);
  EXPECT_EQ(after.Wait()->status().code(), absl::StatusCode::kUnavailable);
  pool.reset();
}

TEST_F(AsyncReadPoolTest, DatabaseExposesItOnTheReadNodeWithTheSameStatements) {
  config::DbConfig config = TestInfra::Get().ServiceDbConfig("quest");
  // DB_ASYNC_READ_CONNECTIONS, not the default 4 nor DB_MAX_CONNECTIONS.
  config.async_read_connections = 3;
  ASSERT_GT(config.max_connections, 3);
  const std::string service = "async-db-" + qs::testing::UniqueSuffix();
  Database db(config, service, Statements());
  EXPECT_EQ(db.async_reads().name(), service + "-read-async");
  absl::StatusOr<pqxx::result> on_replica = QueryAndWait(db.async_reads(), "types", {"1", "x"});
  ASSERT_TRUE(on_replica.ok()) << on_replica.status();
  // All its connections open on first use; none on the primary.
  const int expected = 3;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (CountBackendsOn(TestInfra::Get().replica_port, service + "-read-async") != expected &&
         absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(CountBackendsOn(TestInfra::Get().replica_port, service + "-read-async"), expected);
  EXPECT_EQ(CountBackendsOn(TestInfra::Get().primary_port, service + "-read-async"), 0);
}

}  // namespace
}  // namespace qs::db
