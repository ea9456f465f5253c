// LeaderboardStore against a scratch quest database (primary + replica),
// not through the RPCs: points in several periods, pages in rank order
// (score DESC, user_id ASC) and after a position, the neighbourhood of an
// entry, and every count (a slice's NearCounts, the full count, the
// histogram's) checked against SQL of its own. The reads go through the
// async read path, as the service runs them.
#include "quest/leaderboard_store.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/quest/quest_store_fixture.h"

namespace qs::quest {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::Optional;
using ::testing::UnorderedElementsAreArray;

using Entry = std::pair<std::string, int64_t>;  // (user_id, score)

class LeaderboardStoreTest : public testing::QuestStoreTest {
 protected:
  static constexpr const char* kAll = "all";
  static constexpr const char* kWeek = "w2026-W48";
  static constexpr const char* kDay = "d2026-11-25";

  void AddPoints(const std::string& user, int64_t points, const std::vector<std::string>& periods) {
    InWrite([&](db::WriteTx& tx) { store_.AddPoints(tx, user, points, periods); });
  }

  // A generous bound: NearCounts stay exact on these small boards.
  static constexpr int64_t kBound = 1000;

  BoardSlice Around(const std::string& period, const std::string& user, int radius,
                    int64_t bound = kBound) {
    return OnAsyncPath<BoardSlice>([&](auto done) {
      LeaderboardStore::AroundAsync(database().async_reads(), period, user, radius, bound,
                                    Deadline(), std::move(done));
    });
  }
  BoardSlice PageSlice(const std::string& period, const std::optional<api::KeysetPosition>& after,
                       int limit, int64_t bound = kBound) {
    return OnAsyncPath<BoardSlice>([&](auto done) {
      LeaderboardStore::PageAsync(database().async_reads(), period, after, limit, bound, Deadline(),
                                  std::move(done));
    });
  }

  // The user's score: the row of a neighbourhood of radius 0.
  std::optional<int64_t> ScoreOf(const std::string& period, const std::string& user) {
    BoardSlice slice = Around(period, user, 0);
    EXPECT_LE(slice.rows.size(), 1u);
    if (slice.rows.empty()) return std::nullopt;
    EXPECT_EQ(slice.rows[0].user_id, user);
    return slice.rows[0].score;
  }

  // Seeds `scores` in `period` for fresh users; returns the board in rank
  // order, sorted here rather than by the database.
  std::vector<Entry> Seed(const std::string& period, const std::vector<int64_t>& scores) {
    std::vector<Entry> board;
    for (int64_t score : scores) {
      const std::string user = NewUser();
      Sql("INSERT INTO leaderboard_scores (period, user_id, score) VALUES ($1, $2, $3)", period,
          user, score);
      board.emplace_back(user, score);
    }
    std::sort(board.begin(), board.end(), [](const Entry& a, const Entry& b) {
      return std::tie(b.second, a.first) < std::tie(a.second, b.first);
    });
    return board;
  }

  static std::vector<Entry> Entries(const std::vector<BoardRow>& rows) {
    std::vector<Entry> entries;
    for (const BoardRow& row : rows) entries.emplace_back(row.user_id, row.score);
    return entries;
  }
  static std::vector<Entry> Slice(const std::vector<Entry>& board, int from, int to) {
    from = std::max(from, 0);
    to = std::min<int>(to, board.size());
    return from >= to ? std::vector<Entry>{}
                      : std::vector<Entry>(board.begin() + from, board.begin() + to);
  }

  std::vector<Entry> Page(const std::string& period,
                          const std::optional<api::KeysetPosition>& after, int limit) {
    return Entries(PageSlice(period, after, limit).rows);
  }

  LeaderboardStore store_;
};

TEST_F(LeaderboardStoreTest, AddPointsAddsToEveryPeriodGiven) {
  const std::string ann = NewUser();
  const std::string bob = NewUser();
  AddPoints(ann, 10, {kAll, kWeek, kDay});
  AddPoints(ann, 5, {kAll, kWeek});
  AddPoints(bob, 7, {kAll});
  InWrite([&](db::WriteTx& tx) {
    store_.AddPoints(tx, bob, 1, {kAll, kDay});
    store_.AddPoints(tx, bob, 2, {kAll, kDay});
  });
  WaitForReplica();
  EXPECT_THAT(ScoreOf(kAll, ann), Optional(15));
  EXPECT_THAT(ScoreOf(kWeek, ann), Optional(15));
  EXPECT_THAT(ScoreOf(kDay, ann), Optional(10));
  EXPECT_THAT(ScoreOf(kAll, bob), Optional(10));
  EXPECT_THAT(ScoreOf(kDay, bob), Optional(3));
  EXPECT_EQ(ScoreOf(kWeek, bob), std::nullopt);
  EXPECT_EQ(ScoreOf("d2026-11-26", ann), std::nullopt);
  EXPECT_EQ(ScoreOf(kAll, NewUser()), std::nullopt);
  // One row per (period, user), as SQL sees it.
  pqxx::result rows =
      Sql("SELECT period, user_id::text, score FROM leaderboard_scores ORDER BY period, score");
  std::vector<std::tuple<std::string, std::string, int64_t>> stored;
  for (const pqxx::row& row : rows) {
    stored.emplace_back(row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<int64_t>());
  }
  EXPECT_THAT(stored, ElementsAre(std::make_tuple(kAll, bob, 10), std::make_tuple(kAll, ann, 15),
                                  std::make_tuple(kDay, bob, 3), std::make_tuple(kDay, ann, 10),
                                  std::make_tuple(kWeek, ann, 15)));
  // A later addition moves updated_at.
  const std::string before = Scalar<std::string>(
      "SELECT updated_at::text FROM leaderboard_scores "
      "WHERE period = 'all' AND user_id = $1",
      ann);
  AddPoints(ann, 1, {kAll});
  EXPECT_TRUE(
      Scalar<bool>("SELECT updated_at > $2::timestamptz FROM leaderboard_scores "
                   "WHERE period = 'all' AND user_id = $1",
                   ann, before));
}

// Adding to a user's existing scores takes no row lock of its own: ON
// CONFLICT DO UPDATE locks each row before updating it, a heap LOCK record
// in the WAL per period, three per submit. pg_walinspect reads the records
// of the leaderboard's own relation between two LSNs of the primary.
TEST_F(LeaderboardStoreTest, AddingToExistingScoresWritesNoRowLockRecords) {
  const std::string ann = NewUser();
  AddPoints(ann, 10, {kAll, kWeek, kDay});
  const auto& infra = qs::testing::TestInfra::Get();
  pqxx::connection admin(infra.AdminConnectionString(infra.primary_port, DatabaseName()));
  pqxx::nontransaction sql(admin);
  sql.exec0("CREATE EXTENSION IF NOT EXISTS pg_walinspect");
  const std::string relation =
      sql.exec1(
             "SELECT format('rel %s/%s/%s', CASE WHEN reltablespace = 0 THEN "
             "(SELECT dattablespace FROM pg_database WHERE datname = current_database()) "
             "ELSE reltablespace END, (SELECT oid FROM pg_database WHERE datname = "
             "current_database()), relfilenode) FROM pg_class WHERE relname = 'leaderboard_scores'")
          [0]
              .as<std::string>();
  const std::string from =
      sql.exec1("SELECT pg_current_wal_insert_lsn()::text")[0].as<std::string>();
  AddPoints(ann, 5, {kAll, kWeek, kDay});
  const std::string to = sql.exec1("SELECT pg_current_wal_insert_lsn()::text")[0].as<std::string>();
  pqxx::result records = sql.exec_params(
      "SELECT record_type, count(*) FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) "
      "WHERE resource_manager = 'Heap' AND block_ref LIKE '%' || $3 || ' %' "
      "GROUP BY record_type ORDER BY record_type",
      from, to, relation);
  std::vector<std::pair<std::string, int64_t>> by_type;
  for (const pqxx::row& row : records) {
    by_type.emplace_back(row[0].as<std::string>(), row[1].as<int64_t>());
  }
  EXPECT_THAT(by_type, ElementsAre(std::make_pair("UPDATE", 3)));
  WaitForReplica();
  EXPECT_THAT(ScoreOf(kAll, ann), Optional(15));
  EXPECT_THAT(ScoreOf(kWeek, ann), Optional(15));
  EXPECT_THAT(ScoreOf(kDay, ann), Optional(15));
}

TEST_F(LeaderboardStoreTest, PagesFollowRankOrderAndResumeAfterAPosition) {
  const std::vector<Entry> board = Seed(kAll, {50, 40, 40, 40, 30, 10, 10, 0});
  Seed(kDay, {45, 40, 5});  // another period's rows never show
  WaitForReplica();
  EXPECT_THAT(Page(kAll, std::nullopt, 100), ElementsAreArray(board));
  EXPECT_THAT(Page(kAll, std::nullopt, 3), ElementsAreArray(Slice(board, 0, 3)));
  for (int limit : {1, 2, 3, 5}) {
    std::vector<Entry> paged;
    std::optional<api::KeysetPosition> after;
    for (int page = 0; page <= 8; ++page) {
      const std::vector<Entry> rows = Page(kAll, after, limit);
      EXPECT_LE(rows.size(), static_cast<size_t>(limit));
      if (rows.empty()) break;
      paged.insert(paged.end(), rows.begin(), rows.end());
      after = api::KeysetPosition{rows.back().second, rows.back().first};
    }
    EXPECT_THAT(paged, ElementsAreArray(board)) << "pages of " << limit;
  }
  // After the first of the three tied at 40: the other two, then the rest.
  EXPECT_THAT(Page(kAll, api::KeysetPosition{40, board[1].first}, 100),
              ElementsAreArray(Slice(board, 2, 8)));
  EXPECT_TRUE(Page(kAll, api::KeysetPosition{0, board[7].first}, 100).empty());
  EXPECT_TRUE(Page("d2000-01-01", std::nullopt, 10).empty());
}

TEST_F(LeaderboardStoreTest, AroundIsTheNeighbourhoodInRankOrder) {
  const std::vector<Entry> board = Seed(kAll, {90, 70, 70, 70, 70, 50, 30, 30, 10});
  Seed(kWeek, {80, 70, 60});
  WaitForReplica();
  const int n = board.size();
  for (int i = 0; i < n; ++i) {
    const std::string& user = board[i].first;
    for (int radius : {0, 1, 2, 3, 20}) {
      EXPECT_THAT(Entries(Around(kAll, user, radius).rows),
                  ElementsAreArray(Slice(board, i - radius, i + radius + 1)))
          << "around #" << i << " radius " << radius;
    }
  }
  // Rows ranked below a position that is no entry: between the 50 and the
  // first 30; inside a tie the user id decides (the largest possible id is
  // below every 70).
  EXPECT_THAT(Page(kAll, api::KeysetPosition{40, NewUser()}, 2),
              ElementsAreArray(Slice(board, 6, 8)));
  EXPECT_THAT(Page(kAll, api::KeysetPosition{70, "ffffffff-ffff-ffff-ffff-ffffffffffff"}, 10),
              ElementsAreArray(Slice(board, 5, 9)));
  EXPECT_THAT(Page(kAll, api::KeysetPosition{70, "00000000-0000-0000-0000-000000000000"}, 10),
              ElementsAreArray(Slice(board, 1, 9)));
  EXPECT_TRUE(Around(kAll, NewUser(), 5).rows.empty()) << "no score, no neighbourhood";
}

TEST_F(LeaderboardStoreTest, CountsMatchCountsMadeInSql) {
  std::vector<int64_t> scores;
  for (int i = 0; i < 240; ++i) scores.push_back((i * 37) % 23 + (i % 7 == 0 ? 100 : 0));
  const std::vector<Entry> board = Seed(kAll, scores);
  const std::vector<Entry> week = Seed(kWeek, {5, 5, 12, 300});
  WaitForReplica();
  auto sql_count = [&](const std::string& period, const std::string& condition, int64_t score) {
    return Scalar<int64_t>(
        "SELECT count(*) FROM leaderboard_scores WHERE period = $1 AND " + condition, period,
        score);
  };
  // A slice's NearCounts are of its first row: around a user that is the
  // row `radius` above it (or the top).
  for (const auto& [period, entries] : {std::make_pair(kAll, board), std::make_pair(kWeek, week)}) {
    for (int i = 0; i < static_cast<int>(entries.size()); i += 3) {
      for (int radius : {0, 2}) {
        const int64_t first_score = entries[std::max(0, i - radius)].second;
        const int64_t above = sql_count(period, "score > $2", first_score);
        const int64_t ties = sql_count(period, "score = $2", first_score);
        for (int64_t bound : {int64_t{1}, int64_t{17}, kBound}) {
          SCOPED_TRACE(::testing::Message()
                       << period << " #" << i << " radius " << radius << " bound " << bound);
          const BoardSlice slice = Around(period, entries[i].first, radius, bound);
          ASSERT_FALSE(slice.rows.empty());
          EXPECT_EQ(slice.rows.front().score, first_score);
          EXPECT_EQ(slice.near.above, std::min(above, bound));
          if (above < bound) {
            EXPECT_THAT(slice.near.ties, Optional(ties));
          } else {
            EXPECT_EQ(slice.near.ties, std::nullopt) << "ties counted past the bound";
          }
        }
      }
    }
  }
  // A page after a position: of its first row too; an empty one is zero.
  const BoardSlice page =
      PageSlice(kAll, api::KeysetPosition{board[40].second, board[40].first}, 5);
  ASSERT_FALSE(page.rows.empty());
  EXPECT_EQ(page.rows.front().user_id, board[41].first);
  EXPECT_EQ(page.near.above, sql_count(kAll, "score > $2", board[41].second));
  EXPECT_THAT(page.near.ties, Optional(sql_count(kAll, "score = $2", board[41].second)));
  const BoardSlice none = PageSlice("d2000-01-01", std::nullopt, 5);
  EXPECT_TRUE(none.rows.empty());
  EXPECT_EQ(none.near.above, 0);

  for (const std::string period : {kAll, kWeek}) {
    for (int64_t score = -1; score <= 125; ++score) {
      const auto counted = OnAsyncPath<std::pair<int64_t, int64_t>>([&](auto done) {
        LeaderboardStore::CountAboveAsync(database().async_reads(), period, score, Deadline(),
                                          std::move(done));
      });
      EXPECT_EQ(counted.first, sql_count(period, "score > $2", score)) << period << " " << score;
      EXPECT_EQ(counted.second, sql_count(period, "score >= $2", score)) << period << " " << score;
    }
    std::vector<std::pair<int64_t, int64_t>> expected;
    for (const pqxx::row& row :
         Sql("SELECT score, count(*) FROM leaderboard_scores WHERE period = $1 GROUP BY score",
             period)) {
      expected.emplace_back(row[0].as<int64_t>(), row[1].as<int64_t>());
    }
    EXPECT_THAT(OnReplica([&](db::ReadTx& tx) { return store_.ScoreCounts(tx, period); }),
                UnorderedElementsAreArray(expected))
        << period;
  }
  EXPECT_TRUE(
      OnReplica([&](db::ReadTx& tx) { return store_.ScoreCounts(tx, "d2000-01-01"); }).empty());
  const auto nothing = OnAsyncPath<std::pair<int64_t, int64_t>>([&](auto done) {
    LeaderboardStore::CountAboveAsync(database().async_reads(), "d2000-01-01", 0, Deadline(),
                                      std::move(done));
  });
  EXPECT_EQ(nothing, std::make_pair(int64_t{0}, int64_t{0}));
}

}  // namespace
}  // namespace qs::quest
