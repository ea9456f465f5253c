// RankCounter on a scratch quest database (primary + replica): exact counts
// near the top, estimates from the refreshed histogram deeper down, the
// estimate catching up with new rows after a refresh, and the full count on
// the async read path before a period's first histogram.
#include "quest/rank_counter.h"

#include <algorithm>
#include <functional>
#include <future>
#include <thread>

#include "absl/time/clock.h"
#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "quest/leaderboard_store.h"
#include "tests/support/test_infra.h"

namespace qs::quest {
namespace {

class RankCounterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto migrations = migrate::LoadMigrationDirectories({"migrations/common", "migrations/quest"});
    ASSERT_TRUE(migrations.ok());
    ASSERT_TRUE(migrate::Migrator(scratch_.Conninfo(), *migrations).Run().ok());
    // 100 users scoring 1..100, and two more tied at 50.
    Execute(
        "INSERT INTO leaderboard_scores (period, user_id, score) "
        "SELECT 'all', gen_random_uuid(), s FROM generate_series(1, 100) s "
        "UNION ALL SELECT 'all', gen_random_uuid(), 50 FROM generate_series(1, 2)");
    // The replica has the database, the table and the rows.
    ASSERT_TRUE(Eventually([&] {
      absl::StatusOr<int64_t> rows = database_.Read([](db::ReadTx& tx) -> absl::StatusOr<int64_t> {
        return tx.Query("SELECT count(*) FROM leaderboard_scores")[0][0].as<int64_t>();
      });
      return rows.ok() && *rows == 102;
    }));
  }

  void Execute(const std::string& sql) {
    pqxx::connection connection(scratch_.Conninfo());
    pqxx::nontransaction(connection).exec(sql);
  }

  // What a slice statement counts near the top for a row scoring `score`
  // (NearCounts, leaderboard_store.h), counted here in SQL of the test's own.
  NearCounts Near(int64_t score, int64_t bound) {
    absl::StatusOr<NearCounts> near =
        database_.Read([&](db::ReadTx& tx) -> absl::StatusOr<NearCounts> {
          pqxx::row row = tx.Query(
              "SELECT count(*) FILTER (WHERE score > $1), count(*) FILTER (WHERE score = $1) "
              "FROM leaderboard_scores WHERE period = 'all'",
              score)[0];
          NearCounts counts{std::min(row[0].as<int64_t>(), bound)};
          if (counts.above < bound) counts.ties = row[1].as<int64_t>();
          return counts;
        });
    EXPECT_TRUE(near.ok()) << near.status();
    return near.ok() ? *near : NearCounts{};
  }

  absl::StatusOr<RankCounter::Counts> CountBy(RankCounter& counter, int64_t score,
                                              absl::Time deadline) {
    std::promise<absl::StatusOr<RankCounter::Counts>> answer;
    counter.CountAbove(
        "all", score, Near(score, counter.exact_limit()), deadline,
        [&](absl::StatusOr<RankCounter::Counts> counts) { answer.set_value(counts); });
    return answer.get_future().get();
  }

  RankCounter::Counts Count(RankCounter& counter, int64_t score) {
    absl::StatusOr<RankCounter::Counts> counts =
        CountBy(counter, score, absl::Now() + absl::Seconds(10));
    EXPECT_TRUE(counts.ok()) << counts.status();
    return counts.ok() ? *counts : RankCounter::Counts{};
  }

  // Polls `probe` until it holds (reads trail on the replica; the
  // histogram is read in the background).
  static bool Eventually(const std::function<bool()>& probe) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (probe()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return probe();
  }

  qs::testing::ScratchDatabase scratch_{"quest"};
  db::Database database_{scratch_.Config(), "rank-counter-test",
                         LeaderboardStore::PreparedStatements()};
};

TEST_F(RankCounterTest, ExactNearTheTopEstimatedDeeperDown) {
  RankCounter counter(database_, {.exact_limit = 10, .refresh = absl::Milliseconds(100)});
  counter.refresher().Start();
  RankCounter::Counts top;
  ASSERT_TRUE(Eventually([&] { return (top = Count(counter, 95)).at_or_above == 6; }));
  EXPECT_EQ(top.above, 5);
  EXPECT_FALSE(top.estimated);

  // 50 rows score above 50 (51..100), 3 share 50: deeper than the limit.
  RankCounter::Counts deep = Count(counter, 50);
  EXPECT_EQ(deep.above, 50);
  EXPECT_EQ(deep.at_or_above, 53);
  ASSERT_TRUE(Eventually([&] { return (deep = Count(counter, 50)).estimated; }))
      << "the first histogram was never read";
  EXPECT_EQ(deep.above, 50);
  EXPECT_EQ(deep.at_or_above, 53);
}

TEST_F(RankCounterTest, EstimatesFollowNewRowsAfterARefresh) {
  RankCounter counter(database_, {.exact_limit = 10, .refresh = absl::Milliseconds(100)});
  counter.refresher().Start();
  RankCounter::Counts deep;
  ASSERT_TRUE(Eventually([&] { return (deep = Count(counter, 20)).estimated; }));
  EXPECT_EQ(deep.above, 82) << "21..100 and the two at 50";
  Execute(
      "INSERT INTO leaderboard_scores (period, user_id, score) "
      "SELECT 'all', gen_random_uuid(), 500 FROM generate_series(1, 7)");
  EXPECT_TRUE(Eventually([&] { return (deep = Count(counter, 20)).above == 89; })) << deep.above;
  EXPECT_TRUE(deep.estimated);
  EXPECT_EQ(deep.at_or_above, 90);
}

TEST_F(RankCounterTest, CurrentPeriodsAreReadBeforeAnyoneAsks) {
  RankCounter counter(
      database_, {.exact_limit = 10, .refresh = absl::Milliseconds(100), .current_periods = [] {
                    return std::vector<std::string>{"all"};
                  }});
  counter.refresher().Start();
  ASSERT_TRUE(Eventually([&] { return counter.Ready("all"); }));
  EXPECT_FALSE(counter.Ready("d2000-01-01"));
  RankCounter::Counts first = Count(counter, 50);
  EXPECT_TRUE(first.estimated) << "the very first deep request uses the histogram";
  EXPECT_EQ(first.above, 50);
  EXPECT_EQ(first.at_or_above, 53);
}

TEST_F(RankCounterTest, AFirstDeepRequestWakesTheRefresherEarly) {
  // An hour between refreshes: only the wake-up of the first deep request
  // can read the histogram within the test's patience, also when the
  // request lands during the refresh that Start() runs at once.
  RankCounter counter(database_, {.exact_limit = 10, .refresh = absl::Hours(1)});
  counter.refresher().Start();
  RankCounter::Counts counted = Count(counter, 50);
  EXPECT_FALSE(counted.estimated) << "exact until the histogram is read";
  EXPECT_EQ(counted.above, 50);
  EXPECT_EQ(counted.at_or_above, 53);
  ASSERT_TRUE(Eventually([&] { return counter.Ready("all"); })) << "the wake-up was lost";
  RankCounter::Counts deep = Count(counter, 50);
  EXPECT_TRUE(deep.estimated);
  EXPECT_EQ(deep.above, 50);
}

TEST_F(RankCounterTest, AnExactLimitAboveTheBoardAlwaysCounts) {
  RankCounter counter(database_, {});
  counter.refresher().Start();
  RankCounter::Counts deep;
  ASSERT_TRUE(Eventually([&] { return (deep = Count(counter, 1)).at_or_above == 102; }));
  EXPECT_EQ(deep.above, 101);
  EXPECT_FALSE(deep.estimated);
}

// Without a histogram a deep count is a statement of its own on the async
// read path, bound by the caller's deadline; a near one needs none.
TEST_F(RankCounterTest, AFullCountKeepsTheDeadlineANearOneSendsNothing) {
  RankCounter counter(database_, {.exact_limit = 10});  // refresher not started: no histogram
  const absl::Time passed = absl::Now() - absl::Seconds(1);
  absl::StatusOr<RankCounter::Counts> deep = CountBy(counter, 50, passed);
  EXPECT_EQ(deep.status().code(), absl::StatusCode::kDeadlineExceeded) << deep.status();
  const uint64_t sent = database_.async_reads().Stats().statements_sent;
  absl::StatusOr<RankCounter::Counts> near = CountBy(counter, 95, passed);
  ASSERT_TRUE(near.ok()) << near.status();
  EXPECT_EQ(near->above, 5);
  EXPECT_EQ(near->at_or_above, 6);
  EXPECT_EQ(database_.async_reads().Stats().statements_sent, sent);
  EXPECT_FALSE(counter.Ready("all"));
}

}  // namespace
}  // namespace qs::quest
