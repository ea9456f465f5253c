// AsyncReadPool::Lookup's batches against the real replica: a key the
// column would refuse fails only its own caller, a stuck batch holds the
// next ones back no longer than the lookup timeout, and callers answered
// by their deadlines meanwhile do not pile up.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/db/async_read_pool.h"
#include "gtest/gtest.h"
#include "tests/common/db/async_read_support.h"

namespace qs::db {
namespace {

using qs::db::testing::Answer;
using qs::db::testing::PoolOptions;
using qs::db::testing::QueryAndWait;
using qs::db::testing::ReadTable;

constexpr int kRows = 100;

class AsyncReadPoolLookupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { table_ = new ReadTable(kRows); }
  static void TearDownTestSuite() { delete table_; }

  static std::vector<PreparedStatement> Statements() {
    const std::string& t = table_->name();
    return {
        {"count_rows", "SELECT count(*) FROM " + t},
        {"by_names", "SELECT name, score FROM " + t + " WHERE name = ANY($1::text[])"},
        {"by_scores",
         "SELECT score::bigint AS score, name FROM " + t + " WHERE score = ANY($1::bigint[])"},
        // Holds its session 3 s when asked for the key "slow": a batch on a
        // peer that stopped answering.
        {"slow_by_names",
         "WITH pause AS MATERIALIZED ("
         "  SELECT pg_sleep(CASE WHEN 'slow' = ANY($1::text[]) THEN 3 ELSE 0 END)) "
         "SELECT name, score FROM " +
             t + ", pause WHERE name = ANY($1::text[])"},
    };
  }

  static ReadTable* table_;
};
ReadTable* AsyncReadPoolLookupTest::table_ = nullptr;

using LookupAnswers = std::vector<Answer<std::optional<pqxx::row>>>;

// Looks each key up at once (they gather behind the first batch) and
// returns the answers.
void LookUpAll(AsyncReadPool& pool, const CoalescedLookup& lookup,
               const std::vector<std::string>& keys, LookupAnswers& answers) {
  for (size_t i = 0; i < keys.size(); ++i) {
    pool.Lookup(lookup, keys[i], absl::Now() + absl::Seconds(10), answers[i].Callback());
  }
}

TEST_F(AsyncReadPoolLookupTest, ATextKeyPostgresCannotHoldFailsOnlyItsOwnCaller) {
  const CoalescedLookup by_names{"by_names", "name", LookupKeyForm::kExact};
  std::vector<std::string> keys;
  for (int i = 1; i <= 30; ++i) keys.push_back(absl::StrCat("row-", i));
  // A NUL would cut the batch's array literal short (libpq sends C
  // strings); invalid UTF-8 would fail its conversion: either fails the batch.
  keys[10] = std::string("row-1\0x", 7);
  keys[20] = "row-\xff";
  LookupAnswers answers(keys.size());
  AsyncReadPool pool(PoolOptions("bad-text-key", Statements()));
  LookUpAll(pool, by_names, keys, answers);
  for (size_t i = 0; i < keys.size(); ++i) {
    auto answer = answers[i].Wait();
    ASSERT_TRUE(answer.has_value()) << i;
    if (i == 10 || i == 20) {
      EXPECT_EQ(answer->status().code(), absl::StatusCode::kInvalidArgument) << answer->status();
      continue;
    }
    ASSERT_TRUE(answer->ok()) << i << ": " << answer->status();
    ASSERT_TRUE((*answer)->has_value()) << keys[i];
    EXPECT_EQ((**answer)->at("score").as<int>(), static_cast<int>(i) + 1);
  }
}

TEST_F(AsyncReadPoolLookupTest, Int64KeysAreCheckedAndMatchedInPostgresForm) {
  const CoalescedLookup by_scores{"by_scores", "score", LookupKeyForm::kInt64};
  std::vector<std::string> keys;
  for (int i = 1; i <= 30; ++i) keys.push_back(absl::StrCat(i));
  keys[5] = "abc";                   // Would be 22P02 for the whole batch.
  keys[6] = "99999999999999999999";  // Past bigint: 22003 likewise.
  keys[7] = "008";                   // PostgreSQL reads 8, and prints "8".
  keys[8] = "1000";                  // No such row.
  LookupAnswers answers(keys.size());
  AsyncReadPool pool(PoolOptions("int64-key", Statements()));
  LookUpAll(pool, by_scores, keys, answers);
  for (size_t i = 0; i < keys.size(); ++i) {
    auto answer = answers[i].Wait();
    ASSERT_TRUE(answer.has_value()) << i;
    if (i == 5 || i == 6) {
      EXPECT_EQ(answer->status().code(), absl::StatusCode::kInvalidArgument) << answer->status();
      continue;
    }
    ASSERT_TRUE(answer->ok()) << keys[i] << ": " << answer->status();
    if (i == 8) {
      EXPECT_FALSE((*answer)->has_value());
      continue;
    }
    ASSERT_TRUE((*answer)->has_value()) << keys[i];
    EXPECT_EQ((**answer)->at("name").as<std::string>(), absl::StrCat("row-", i + 1));
  }
}

// A caller without a deadline (InfiniteFuture, or gRPC's time_point::max)
// whose batch never answers: the lookups behind it go once the batch has
// been out lookup_timeout, not when it ends (or never).
TEST_F(AsyncReadPoolLookupTest, AStuckBatchHoldsTheNextLookupsBackAtMostTheLookupTimeout) {
  AsyncReadPoolOptions options = PoolOptions("stuck-batch", Statements());
  options.connections = 2;
  options.lookup_timeout = absl::Milliseconds(300);
  std::vector<Answer<pqxx::result>> warm(4);
  Answer<std::optional<pqxx::row>> stuck;
  Answer<std::optional<pqxx::row>> next;
  AsyncReadPool pool(options);
  for (Answer<pqxx::result>& answer : warm) {
    pool.Query("count_rows", {}, absl::InfiniteFuture(), answer.Callback());
  }
  for (Answer<pqxx::result>& answer : warm) ASSERT_TRUE(answer.Wait().has_value());
  const absl::Time connected_by = absl::Now() + absl::Seconds(10);
  while (pool.Stats().open_connections < 2 && absl::Now() < connected_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(pool.Stats().open_connections, 2);

  const CoalescedLookup slow{"slow_by_names", "name", LookupKeyForm::kExact};
  const absl::Time start = absl::Now();
  pool.Lookup(slow, "slow", absl::InfiniteFuture(), stuck.Callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  pool.Lookup(slow, "row-7", absl::Now() + absl::Seconds(2), next.Callback());

  auto found = next.Wait();
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->ok()) << found->status();
  ASSERT_TRUE((*found)->has_value());
  EXPECT_EQ((**found)->at("score").as<int>(), 7);
  EXPECT_LT(next.answered_at() - start, absl::Seconds(1));
  auto timed_out = stuck.Wait();
  ASSERT_TRUE(timed_out.has_value());
  EXPECT_EQ(timed_out->status().code(), absl::StatusCode::kDeadlineExceeded) << timed_out->status();
  EXPECT_GE(stuck.answered_at() - start, absl::Milliseconds(300));
  EXPECT_LT(stuck.answered_at() - start, absl::Milliseconds(900));
}

// Lookups answered by their deadlines while their keys wait behind a
// batch out are dropped from the queue as it grows, not kept until it moves.
TEST_F(AsyncReadPoolLookupTest, ExpiredLookupsBehindABatchOutDoNotAccumulate) {
  AsyncReadPoolOptions options = PoolOptions("lookup-compaction", Statements());
  options.connections = 1;
  constexpr int kExpiring = 3000;
  LookupAnswers expiring(kExpiring);
  Answer<std::optional<pqxx::row>> batch_out;
  Answer<std::optional<pqxx::row>> last;
  AsyncReadPool pool(options);
  ASSERT_TRUE(QueryAndWait(pool, "count_rows", {}).ok());
  const CoalescedLookup slow{"slow_by_names", "name", LookupKeyForm::kExact};
  pool.Lookup(slow, "slow", absl::InfiniteFuture(), batch_out.Callback());
  for (int i = 0; i < kExpiring; ++i) {
    pool.Lookup(slow, absl::StrCat("expiring-", i), absl::Now() + absl::Milliseconds(1),
                expiring[i].Callback());
  }
  for (Answer<std::optional<pqxx::row>>& answer : expiring) {
    auto value = answer.Wait(absl::Seconds(5));
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(value->status().code(), absl::StatusCode::kDeadlineExceeded) << value->status();
  }
  pool.Lookup(slow, "row-3", absl::Now() + absl::Seconds(20), last.Callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(last.times(), 0) << "the slow batch should still be out";
  EXPECT_LE(pool.Stats().queued_entries, 2u * 2 + 64 + 1) << pool.Stats().queued_entries;
  auto found = last.Wait();
  ASSERT_TRUE(found.has_value() && found->ok()) << (found ? found->status() : absl::OkStatus());
  ASSERT_TRUE((*found)->has_value());
  EXPECT_EQ((**found)->at("score").as<int>(), 3);
}

}  // namespace
}  // namespace qs::db
