// Registered statements on the async read path against the real primary and
// replica of deploy/infra.sh: kPerCall ones (sent with their text, planned
// for each call's values, never prepared) next to kPrepared ones, a name
// that is not registered, and QueryRows' mapping (async_rows.h).
#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/db/async_read_pool.h"
#include "common/db/async_rows.h"
#include "gtest/gtest.h"
#include "tests/common/db/async_read_support.h"

namespace qs::db {
namespace {

using qs::db::testing::Answer;
using qs::db::testing::CountBackendsOn;
using qs::db::testing::PoolOptions;
using qs::db::testing::QueryAndWait;
using qs::db::testing::ReadTable;
using qs::testing::TestInfra;

constexpr int kRows = 400;

// The shape of a store's list read: every filter optional, written against
// its neutral value ('' / 0 / NULL), as quest's feed is.
std::string FilteredSql(const std::string& table) {
  return "SELECT id, name, score, note FROM " + table +
         " WHERE ($1 = '' OR name = $1) AND ($2 = 0 OR score >= $2::int)"
         " AND ($3::text IS NULL OR note = $3) ORDER BY score LIMIT $4";
}

struct Filter {
  std::string name;
  int min_score = 0;
  std::optional<std::string> note;
  int limit = 1000;
};

struct Row {
  std::string id;
  std::string name;
  int score = 0;
  std::optional<std::string> note;
  bool operator==(const Row& other) const {
    return id == other.id && name == other.name && score == other.score && note == other.note;
  }
};

Row FromRow(const pqxx::row& row) {
  Row out{row["id"].as<std::string>(), row["name"].as<std::string>(), row["score"].as<int>(), {}};
  if (!row["note"].is_null()) out.note = row["note"].as<std::string>();
  return out;
}

// Runs QueryRows and waits for its answer.
template <typename T, typename MapRow>
absl::StatusOr<std::vector<T>> QueryRowsAndWait(AsyncReadPool& pool, const std::string& statement,
                                                AsyncParamList params, MapRow map_row) {
  Answer<std::vector<T>> answer;
  QueryRows<T>(pool, statement, std::move(params), absl::Now() + absl::Seconds(10),
               std::move(map_row), answer.Callback());
  std::optional<absl::StatusOr<std::vector<T>>> value = answer.Wait(absl::Seconds(15));
  if (!value.has_value()) return absl::InternalError("no answer");
  return *value;
}

class AsyncReadPoolPerCallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { table_ = new ReadTable(kRows); }
  static void TearDownTestSuite() { delete table_; }

  static std::vector<PreparedStatement> Statements() {
    const std::string& t = table_->name();
    return {
        {"filtered", FilteredSql(t), Planning::kPerCall},
        {"count_rows", "SELECT count(*) FROM " + t},
        {"session_statements", "SELECT name FROM pg_prepared_statements ORDER BY name",
         Planning::kPerCall},
        {"session_plans",
         "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name",
         Planning::kPerCall},
        {"by_name", "SELECT id FROM " + t + " WHERE ($1 = '' OR name = $1)", Planning::kPerCall},
        {"by_name_prepared", "SELECT id FROM " + t + " WHERE ($1 = '' OR name = $1)"},
        {"notes", "SELECT note FROM " + t + " ORDER BY score LIMIT 4"},
    };
  }

  // The blocking path's answer: the same text, unprepared, same values.
  static absl::StatusOr<std::vector<Row>> Blocking(const Filter& f) {
    const std::string sql = FilteredSql(table_->name());
    return table_->db().Read([&](ReadTx& tx) -> absl::StatusOr<std::vector<Row>> {
      pqxx::result rows = f.note.has_value() ? tx.Query(sql, f.name, f.min_score, *f.note, f.limit)
                                             : tx.Query(sql, f.name, f.min_score, nullptr, f.limit);
      std::vector<Row> out;
      for (const pqxx::row& row : rows) out.push_back(FromRow(row));
      return out;
    });
  }

  static ReadTable* table_;
};
ReadTable* AsyncReadPoolPerCallTest::table_ = nullptr;

TEST_F(AsyncReadPoolPerCallTest, OptionalFiltersReturnTheBlockingPathsRowsForEveryCombination) {
  AsyncReadPool pool(PoolOptions("per-call-equal", Statements()));
  struct Case {
    Filter filter;
    size_t rows;  // What the data holds: the comparison is never of two empty answers only.
  };
  const std::vector<Case> cases = {
      {{"", 0, std::nullopt, 1000}, kRows},     // no filter
      {{"", 0, std::nullopt, 25}, 25},          // only the limit
      {{"row-7", 0, std::nullopt, 1000}, 1},    // by name
      {{"", 391, std::nullopt, 1000}, 10},      // by score
      {{"", 0, "even 200", 1000}, 1},           // by note
      {{"", 100, "even 200", 1000}, 1},         // score and note
      {{"row-3", 5, std::nullopt, 1000}, 0},    // name and score: nothing
      {{"row-300", 250, "even 300", 1000}, 1},  // all three
      {{"", 0, std::nullopt, 1000}, kRows},     // no filter again, after the others
  };
  for (int round = 0; round < 2; ++round) {  // Past five runs of each: still per call.
    for (const Case& c : cases) {
      const Filter& f = c.filter;
      SCOPED_TRACE(absl::StrCat("name=", f.name, " min_score=", f.min_score,
                                " note=", f.note.value_or("NULL"), " limit=", f.limit));
      absl::StatusOr<std::vector<Row>> expected = Blocking(f);
      ASSERT_TRUE(expected.ok()) << expected.status();
      EXPECT_EQ(expected->size(), c.rows);
      absl::StatusOr<std::vector<Row>> actual = QueryRowsAndWait<Row>(
          pool, "filtered", AsyncParams(f.name, f.min_score, f.note, f.limit), FromRow);
      ASSERT_TRUE(actual.ok()) << actual.status();
      EXPECT_EQ(*actual, *expected);
    }
  }
  EXPECT_EQ(pool.Stats().statements_sent, 2 * cases.size());
}

TEST_F(AsyncReadPoolPerCallTest, APreparedTwinTurnsGenericWhileThePerCallOneHasNoPlanToReuse) {
  AsyncReadPoolOptions options = PoolOptions("per-call-plan", Statements());
  options.connections = 1;  // One session: its plan cache is the one that would be reused.
  AsyncReadPool pool(options);
  for (int i = 1; i <= 8; ++i) {
    for (const char* statement : {"by_name", "by_name_prepared"}) {
      absl::StatusOr<pqxx::result> rows = QueryAndWait(pool, statement, {absl::StrCat("row-", i)});
      ASSERT_TRUE(rows.ok()) << statement << ": " << rows.status();
      ASSERT_EQ(rows->size(), 1u) << statement;
    }
  }
  // What the session caches: the kPrepared twin, which PostgreSQL runs with
  // a generic plan (`$1` unknown) from its sixth run on, since that plan
  // costs what the custom ones did without their planning. The kPerCall
  // statement is not there: each call was parsed and planned for its value.
  absl::StatusOr<pqxx::result> cached = QueryAndWait(pool, "session_plans", {});
  ASSERT_TRUE(cached.ok()) << cached.status();
  std::set<std::string> names;
  for (const pqxx::row& row : *cached) {
    names.insert(row["name"].c_str());
    if (row["name"].as<std::string>() == "by_name_prepared") {
      EXPECT_GE(row["generic_plans"].as<int>(), 1) << "the observable this test relies on";
      EXPECT_EQ(row["custom_plans"].as<int>() + row["generic_plans"].as<int>(), 8);
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"by_name_prepared", "count_rows", "notes"}));
}

TEST_F(AsyncReadPoolPerCallTest, APerCallStatementIsNeverPrepared) {
  // A table that does not exist yet when the connection opens: had the
  // pool prepared the statement then, it would have failed to prepare and
  // every call would fail ("prepared statement does not exist").
  const std::string later = "async_later_" + qs::testing::UniqueSuffix();
  std::vector<PreparedStatement> statements = Statements();
  statements.push_back({"later_rows", "SELECT count(*) AS n FROM " + later, Planning::kPerCall});
  AsyncReadPoolOptions options = PoolOptions("per-call-never-prepared", statements);
  options.connections = 1;
  AsyncReadPool pool(options);

  // The session holds exactly the kPrepared statements.
  absl::StatusOr<pqxx::result> prepared = QueryAndWait(pool, "session_statements", {});
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  std::set<std::string> names;
  for (const pqxx::row& row : *prepared) names.insert(row[0].c_str());
  EXPECT_EQ(names, (std::set<std::string>{"by_name_prepared", "count_rows", "notes"}));

  Database& db = table_->db();
  ASSERT_TRUE(db.Write([&](WriteTx& tx) -> absl::Status {
                  tx.Query("CREATE TABLE " + later + " (id uuid PRIMARY KEY)");
                  tx.Query("INSERT INTO " + later +
                           " SELECT gen_random_uuid() FROM generate_series(1, 3)");
                  return absl::OkStatus();
                }).ok());
  // The replica serves the read: wait until it has replayed the table.
  absl::StatusOr<pqxx::result> rows;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  do {
    rows = QueryAndWait(pool, "later_rows", {});
    if (rows.ok() || absl::Now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (true);
  (void)db.Write([&](WriteTx& tx) -> absl::Status {
    tx.Query("DROP TABLE IF EXISTS " + later);
    return absl::OkStatus();
  });
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ((*rows)[0]["n"].as<int>(), 3);
  // On the connection it opened first: setting it up did not fail.
  EXPECT_EQ(pool.Stats().connects, 1u);
  EXPECT_EQ(pool.Stats().retried, 0u);
}

TEST_F(AsyncReadPoolPerCallTest, AnUnregisteredNameIsRefusedAtOnceAndNothingIsSent) {
  AsyncReadPool pool(PoolOptions("unregistered", Statements()));
  Answer<pqxx::result> query;
  pool.Query("no_such_statement", {"1"}, absl::Now() + absl::Seconds(5), query.Callback());
  // Answered inside Query, on this thread: it never reached the loop.
  ASSERT_EQ(query.times(), 1);
  absl::StatusOr<pqxx::result> answer = *query.Wait();
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kInternal) << answer.status();
  EXPECT_TRUE(absl::StrContains(answer.status().message(), "\"no_such_statement\""))
      << answer.status();
  EXPECT_TRUE(absl::StrContains(answer.status().message(), "not registered")) << answer.status();

  Answer<std::optional<pqxx::row>> lookup;
  const CoalescedLookup unregistered{"no_such_lookup", "id", LookupKeyForm::kUuid};
  pool.Lookup(unregistered, "00000000-0000-4000-8000-000000000000", absl::Now() + absl::Seconds(5),
              lookup.Callback());
  ASSERT_EQ(lookup.times(), 1);
  EXPECT_EQ(lookup.Wait()->status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(absl::StrContains(lookup.Wait()->status().message(), "\"no_such_lookup\""));

  // Nothing was accepted, sent, or even connected for them.
  const AsyncReadStats stats = pool.Stats();
  EXPECT_EQ(stats.calls, 0u);
  EXPECT_EQ(stats.statements_sent, 0u);
  EXPECT_EQ(stats.connects, 0u);
  EXPECT_EQ(CountBackendsOn(TestInfra::Get().replica_port, pool.name()), 0);
  // A registered name still works on the same pool.
  absl::StatusOr<pqxx::result> count = QueryAndWait(pool, "count_rows", {});
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ((*count)[0][0].as<int>(), kRows);
}

TEST_F(AsyncReadPoolPerCallTest, AColumnThatDoesNotMapBecomesAStatusAndThePoolGoesOn) {
  AsyncReadPoolOptions options = PoolOptions("mapping", Statements());
  options.connections = 1;
  AsyncReadPool pool(options);
  // notes: NULL, 'even 2', NULL, 'even 4'. Neither maps to an int.
  absl::StatusOr<std::vector<int>> text_as_int = QueryRowsAndWait<int>(
      pool, "notes", {}, [](const pqxx::row& row) { return row["note"].as<int>(); });
  ASSERT_FALSE(text_as_int.ok());
  EXPECT_EQ(text_as_int.status().code(), absl::StatusCode::kInternal) << text_as_int.status();
  EXPECT_TRUE(absl::StrContains(text_as_int.status().message(), "notes")) << text_as_int.status();

  // A mapper's own exception too.
  absl::StatusOr<std::vector<int>> thrown =
      QueryRowsAndWait<int>(pool, "notes", {}, [](const pqxx::row& row) -> int {
        if (!row["note"].is_null()) throw std::runtime_error("unexpected note");
        return 0;
      });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.status().code(), absl::StatusCode::kInternal) << thrown.status();
  EXPECT_TRUE(absl::StrContains(thrown.status().message(), "unexpected note")) << thrown.status();

  // The loop thread lived through both: the same session answers next.
  absl::StatusOr<std::vector<std::optional<std::string>>> notes =
      QueryRowsAndWait<std::optional<std::string>>(
          pool, "notes", {}, [](const pqxx::row& row) -> std::optional<std::string> {
            if (row["note"].is_null()) return std::nullopt;
            return row["note"].as<std::string>();
          });
  ASSERT_TRUE(notes.ok()) << notes.status();
  EXPECT_EQ(*notes, (std::vector<std::optional<std::string>>{std::nullopt, "even 2", std::nullopt,
                                                             "even 4"}));
  EXPECT_EQ(pool.Stats().connects, 1u);
}

// A statement sent with the wrong number of parameters fails with SQLSTATE
// 08P01 at severity ERROR: the session lives on. It is that call's INTERNAL,
// never a lost connection: not re-sent, and the calls pipelined with it on
// the same connections are answered as if it had not been there.
TEST_F(AsyncReadPoolPerCallTest, AWrongParameterCountFailsOnlyItsOwnCall) {
  std::vector<PreparedStatement> statements = Statements();
  statements.push_back({"two_params", "SELECT $1::text || $2::text", Planning::kPerCall});
  statements.push_back({"two_params_prepared", "SELECT $1::text || $2::text"});
  statements.push_back(
      {"slow_count", "SELECT count(*) FROM " + table_->name() + ", pg_sleep(0.2)"});
  AsyncReadPoolOptions options = PoolOptions("per-call-params", statements);
  options.connections = 2;
  AsyncReadPool pool(options);
  ASSERT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());  // warm: both connections open
  const absl::Time connected_by = absl::Now() + absl::Seconds(10);
  while (pool.Stats().open_connections < 2 && absl::Now() < connected_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(pool.Stats().open_connections, 2);
  const AsyncReadStats before = pool.Stats();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  std::vector<std::unique_ptr<Answer<pqxx::result>>> innocent;
  std::vector<std::unique_ptr<Answer<pqxx::result>>> wrong;
  for (const char* statement : {"two_params", "two_params_prepared"}) {
    // Innocent calls out before and after it, on both connections.
    for (int i = 0; i < 3; ++i) {
      innocent.push_back(std::make_unique<Answer<pqxx::result>>());
      pool.Query("slow_count", {}, deadline, innocent.back()->Callback());
    }
    wrong.push_back(std::make_unique<Answer<pqxx::result>>());
    pool.Query(statement, {std::string("only one")}, deadline, wrong.back()->Callback());
    for (int i = 0; i < 3; ++i) {
      innocent.push_back(std::make_unique<Answer<pqxx::result>>());
      pool.Query("slow_count", {}, deadline, innocent.back()->Callback());
    }
  }
  for (auto& answer : wrong) {
    std::optional<absl::StatusOr<pqxx::result>> got = answer->Wait(absl::Seconds(15));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->status().code(), absl::StatusCode::kInternal) << got->status();
  }
  for (auto& answer : innocent) {
    std::optional<absl::StatusOr<pqxx::result>> got = answer->Wait(absl::Seconds(15));
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(got->ok()) << got->status();
    EXPECT_EQ((**got)[0][0].as<int>(), kRows);
  }
  const AsyncReadStats after = pool.Stats();
  EXPECT_EQ(after.retried, before.retried);
  EXPECT_EQ(after.connects, before.connects);
  EXPECT_EQ(after.open_connections, 2);
}

}  // namespace
}  // namespace qs::db
