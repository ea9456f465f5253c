#include "quest/leaderboard_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/async_rows.h"
#include "pqxx/pqxx"

namespace qs::quest {
namespace {

// Plain statements without optional parts, so a generic plan (which the
// server may switch to after a few executions) is as good as a custom one.
// Each slice statement is `WITH slice AS (...)` followed by kRankedSlice;
// $1 is the period and $2 the count bound in all of them.
constexpr char kFirstPage[] = "quest_board_first_page";
constexpr char kPageAfter[] = "quest_board_page_after";
constexpr char kAroundUser[] = "quest_board_around_user";
constexpr char kCountAbove[] = "quest_board_count_above";
constexpr char kScoreCounts[] = "quest_board_score_counts";

// The end of a slice statement: `slice` (user_id, score) in rank order with
// the NearCounts of its first (highest) row on every row. A CASE runs its
// subquery only when the branch is taken, so the ties of a deep row are
// never counted. The bounded count orders by the index: the top score is
// known only at run time, so the planner guesses a third of the board
// scores above it and, with the LIMIT, may choose a sequential scan that
// near the top of the board never reaches its LIMIT and reads every
// period's rows (tens of ms at 200k rows, on a board whose updates leave
// pages not all-visible); the ORDER BY keeps it an index range scan.
constexpr char kRankedSlice[] =
    ", top AS (SELECT max(score) AS score FROM slice), "
    "near AS (SELECT count(*) AS above FROM (SELECT 1 FROM leaderboard_scores "
    "         WHERE period = $1 AND score > (SELECT score FROM top) "
    "         ORDER BY score DESC LIMIT $2) counted) "
    "SELECT s.user_id::text, s.score, near.above, "
    "       CASE WHEN near.above < $2 THEN (SELECT count(*) FROM leaderboard_scores "
    "            WHERE period = $1 AND score = (SELECT score FROM top)) END "
    "FROM slice s, near ORDER BY s.score DESC, s.user_id";

// The rows ranked below (score, user_id) = ($3, $4), at most $5. The plain
// bound on score lets the index seek to the position; the OR alone would be
// a filter applied from the top of the board.
constexpr char kBelowPosition[] =
    "SELECT l.user_id, l.score FROM leaderboard_scores l WHERE l.period = $1 "
    "AND l.score <= $3 AND (l.score < $3 OR (l.score = $3 AND l.user_id > $4::uuid)) "
    "ORDER BY l.score DESC, l.user_id LIMIT $5";

// The neighbours of $3's row, $4 on each side, each side an index range
// from the user's position (LATERAL on the one row of `me`).
constexpr char kAroundSlice[] =
    "WITH me AS (SELECT score FROM leaderboard_scores WHERE period = $1 AND user_id = $3::uuid), "
    "slice AS ("
    "  SELECT a.user_id, a.score FROM me, LATERAL ("
    "    SELECT l.user_id, l.score FROM leaderboard_scores l WHERE l.period = $1 "
    "    AND l.score >= me.score "
    "    AND (l.score > me.score OR (l.score = me.score AND l.user_id < $3::uuid)) "
    "    ORDER BY l.score, l.user_id DESC LIMIT $4) a "
    "  UNION ALL SELECT $3::uuid, me.score FROM me "
    "  UNION ALL SELECT b.user_id, b.score FROM me, LATERAL ("
    "    SELECT l.user_id, l.score FROM leaderboard_scores l WHERE l.period = $1 "
    "    AND l.score <= me.score "
    "    AND (l.score < me.score OR (l.score = me.score AND l.user_id > $3::uuid)) "
    "    ORDER BY l.score DESC, l.user_id LIMIT $4) b)";

// Every row of a slice statement carries its first row's NearCounts.
struct SliceRow {
  BoardRow row;
  NearCounts near;
};

SliceRow SliceRowOf(const pqxx::row& row) {
  SliceRow mapped{{row[0].as<std::string>(), row[1].as<int64_t>()}, {row[2].as<int64_t>()}};
  if (!row[3].is_null()) mapped.near.ties = row[3].as<int64_t>();
  return mapped;
}

void QuerySlice(db::AsyncReadPool& reads, const std::string& statement, db::AsyncParamList params,
                absl::Time deadline, LeaderboardStore::SliceDone done) {
  db::QueryRows<SliceRow>(reads, statement, std::move(params), deadline, SliceRowOf,
                          [done = std::move(done)](absl::StatusOr<std::vector<SliceRow>> rows) {
                            if (!rows.ok()) return done(rows.status());
                            BoardSlice slice;
                            if (!rows->empty()) slice.near = rows->front().near;
                            for (SliceRow& row : *rows) slice.rows.push_back(std::move(row.row));
                            done(std::move(slice));
                          });
}

}  // namespace

std::vector<db::PreparedStatement> LeaderboardStore::PreparedStatements() {
  return {
      // ORDER BY names leaderboard_scores.user_id so that it is the column
      // the index delivers in order.
      {kFirstPage, absl::StrCat("WITH slice AS (SELECT user_id, score FROM leaderboard_scores "
                                "WHERE period = $1 "
                                "ORDER BY score DESC, leaderboard_scores.user_id LIMIT $3)",
                                kRankedSlice)},
      {kPageAfter, absl::StrCat("WITH slice AS (", kBelowPosition, ")", kRankedSlice)},
      {kAroundUser, absl::StrCat(kAroundSlice, kRankedSlice)},
      {kCountAbove,
       "SELECT count(*) FILTER (WHERE score > $2), count(*) FROM leaderboard_scores "
       "WHERE period = $1 AND score >= $2"},
      {kScoreCounts,
       "SELECT score, count(*) FROM leaderboard_scores WHERE period = $1 GROUP BY score"},
  };
}

void LeaderboardStore::AddPoints(db::WriteTx& tx, const std::string& user_id, int64_t points,
                                 const std::vector<std::string>& periods) {
  // Period keys are made by leaderboard_rules ("all", "d...", "w...").
  // Deferred: one statement for every period, sent with the next one. The
  // rows that exist (all but a user's first score of a period) are added to
  // by a plain UPDATE: ON CONFLICT DO UPDATE locks a row before it updates
  // it, and that lock is a WAL record of its own, one per period and
  // submit. The rest are inserted; a row another transaction inserted since
  // the UPDATE's snapshot is a conflict, and added to as before.
  tx.Defer(
      "WITH updated AS (UPDATE leaderboard_scores "
      "SET score = score + $3, updated_at = clock_timestamp() "
      "WHERE period = ANY($1::text[]) AND user_id = $2::uuid RETURNING period) "
      "INSERT INTO leaderboard_scores (period, user_id, score) "
      "SELECT period, $2::uuid, $3 FROM unnest($1::text[]) AS given (period) "
      "WHERE period NOT IN (SELECT period FROM updated) "
      "ON CONFLICT (period, user_id) DO UPDATE "
      "SET score = leaderboard_scores.score + EXCLUDED.score, updated_at = clock_timestamp()",
      absl::StrCat("{", absl::StrJoin(periods, ","), "}"), user_id, points);
}

void LeaderboardStore::PageAsync(db::AsyncReadPool& reads, const std::string& period,
                                 const std::optional<api::KeysetPosition>& after, int limit,
                                 int64_t count_bound, absl::Time deadline, SliceDone done) {
  if (!after) {
    return QuerySlice(reads, kFirstPage, db::AsyncParams(period, count_bound, limit), deadline,
                      std::move(done));
  }
  // The rows after a position are the rows ranked below it.
  QuerySlice(reads, kPageAfter, db::AsyncParams(period, count_bound, after->key, after->id, limit),
             deadline, std::move(done));
}

void LeaderboardStore::AroundAsync(db::AsyncReadPool& reads, const std::string& period,
                                   const std::string& user_id, int radius, int64_t count_bound,
                                   absl::Time deadline, SliceDone done) {
  QuerySlice(reads, kAroundUser, db::AsyncParams(period, count_bound, user_id, radius), deadline,
             std::move(done));
}

void LeaderboardStore::CountAboveAsync(db::AsyncReadPool& reads, const std::string& period,
                                       int64_t score, absl::Time deadline, CountsDone done) {
  db::QueryRows<std::pair<int64_t, int64_t>>(
      reads, kCountAbove, db::AsyncParams(period, score), deadline,
      [](const pqxx::row& row) {
        return std::make_pair(row[0].as<int64_t>(), row[1].as<int64_t>());
      },
      [done = std::move(done)](absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> rows) {
        if (!rows.ok()) return done(rows.status());
        done(rows->front());  // An aggregate without GROUP BY: always one row.
      });
}

std::vector<std::pair<int64_t, int64_t>> LeaderboardStore::ScoreCounts(db::ReadTx& tx,
                                                                       const std::string& period) {
  std::vector<std::pair<int64_t, int64_t>> counts;
  for (const pqxx::row& row : tx.QueryPrepared(kScoreCounts, period)) {
    counts.emplace_back(row[0].as<int64_t>(), row[1].as<int64_t>());
  }
  return counts;
}

}  // namespace qs::quest
