#include "quest/puzzle_period_store.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "common/db/row_mapping.h"
#include "pqxx/pqxx"

namespace qs::quest {

int64_t PuzzlePeriodStore::FoldPlays(db::WriteTx& tx, int limit) {
  // The puzzles' rows are locked in id order before the update (a join's
  // order is the planner's), as LockRatings does.
  return tx
      .Query(
          "WITH taken AS (DELETE FROM puzzle_plays WHERE id IN "
          "(SELECT id FROM puzzle_plays LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING puzzle_id), "
          "counted AS (SELECT puzzle_id, count(*) AS plays FROM taken GROUP BY puzzle_id), "
          "locked AS (SELECT p.id FROM puzzles p JOIN counted c ON c.puzzle_id = p.id "
          "ORDER BY p.id FOR NO KEY UPDATE OF p), "
          "folded AS (UPDATE puzzles p SET play_count = p.play_count + counted.plays "
          "FROM counted JOIN locked ON locked.id = counted.puzzle_id "
          "WHERE p.id = counted.puzzle_id) "
          "SELECT count(*) FROM taken",
          limit)[0][0]
      .as<int64_t>();
}

bool PuzzlePeriodStore::TryLockPeriodJobs(db::WriteTx& tx) {
  return tx.Query("SELECT pg_try_advisory_xact_lock(hashtext('quest.puzzle_period_jobs'))")[0][0]
      .as<bool>();
}

std::vector<PeriodGames> PuzzlePeriodStore::TakeClosedPeriods(db::WriteTx& tx,
                                                              absl::Duration period) {
  pqxx::result rows = tx.Query(
      "DELETE FROM puzzle_rating_results "
      // The cutoff is one value for the whole statement (an uncorrelated
      // subquery runs once): clock_timestamp() per row could move it across
      // a period's end mid-scan and split that period in two updates.
      "WHERE recorded_at < "
      "(SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $1) * $1)) "
      "RETURNING puzzle_id::text, floor(extract(epoch FROM recorded_at) / $1)::bigint, "
      "player_rating, player_deviation, puzzle_score",
      absl::ToDoubleSeconds(period));
  struct Row {
    std::string puzzle_id;
    int64_t period;
    GameResult game;
  };
  std::vector<Row> taken;
  taken.reserve(rows.size());
  for (const pqxx::row& row : rows) {
    // The player's volatility plays no part in the puzzle's update.
    taken.push_back({row[0].as<std::string>(),
                     row[1].as<int64_t>(),
                     {{row[2].as<double>(), row[3].as<double>(), 0.06}, row[4].as<double>()}});
  }
  std::sort(taken.begin(), taken.end(), [](const Row& a, const Row& b) {
    return std::tie(a.puzzle_id, a.period) < std::tie(b.puzzle_id, b.period);
  });
  std::vector<PeriodGames> periods;
  for (Row& row : taken) {
    if (periods.empty() || periods.back().puzzle_id != row.puzzle_id ||
        periods.back().period != row.period) {
      periods.push_back({row.puzzle_id, row.period, {}});
    }
    periods.back().games.push_back(row.game);
  }
  return periods;
}

std::map<std::string, Rating> PuzzlePeriodStore::LockRatings(
    db::WriteTx& tx, const std::vector<std::string>& puzzle_ids) {
  std::map<std::string, Rating> ratings;
  for (const pqxx::row& row :
       tx.Query("SELECT id::text, rating, rating_deviation, rating_volatility FROM puzzles "
                "WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE",
                db::ArrayLiteral(puzzle_ids))) {
    ratings[row[0].as<std::string>()] = {row[1].as<double>(), row[2].as<double>(),
                                         row[3].as<double>()};
  }
  return ratings;
}

}  // namespace qs::quest
