#include "quest/leaderboard_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "pqxx/pqxx"

namespace qs::quest {
namespace {

std::vector<BoardRow> Rows(const pqxx::result& result) {
  std::vector<BoardRow> rows;
  rows.reserve(result.size());
  for (const pqxx::row& row : result) {
    rows.push_back({row[0].as<std::string>(), row[1].as<int64_t>()});
  }
  return rows;
}

// Plain statements without optional parts, so a generic plan (which the
// server may switch to after a few executions) is as good as a custom one.
// ORDER BY names leaderboard_scores.user_id: bare `user_id` would be the
// text column of the select list, which the index cannot deliver in order.
constexpr char kFirstPage[] = "quest_board_first_page";
constexpr char kAbove[] = "quest_board_above";
constexpr char kBelow[] = "quest_board_below";
constexpr char kScoreOf[] = "quest_board_score_of";
constexpr char kCountAbove[] = "quest_board_count_above";
constexpr char kCountAboveBounded[] = "quest_board_count_above_bounded";
constexpr char kScoreCounts[] = "quest_board_score_counts";
constexpr char kTies[] = "quest_board_ties";

}  // namespace

std::vector<db::PreparedStatement> LeaderboardStore::PreparedStatements() {
  return {
      {kFirstPage,
       "SELECT user_id::text, score FROM leaderboard_scores WHERE period = $1 "
       "ORDER BY score DESC, leaderboard_scores.user_id LIMIT $2"},
      // The plain bound on score lets the index seek to the position; the
      // OR alone would be a filter applied from the top of the board.
      {kAbove,
       "SELECT user_id::text, score FROM leaderboard_scores WHERE period = $1 "
       "AND score >= $2 AND (score > $2 OR (score = $2 AND user_id < $3::uuid)) "
       "ORDER BY score ASC, leaderboard_scores.user_id DESC LIMIT $4"},
      {kBelow,
       "SELECT user_id::text, score FROM leaderboard_scores WHERE period = $1 "
       "AND score <= $2 AND (score < $2 OR (score = $2 AND user_id > $3::uuid)) "
       "ORDER BY score DESC, leaderboard_scores.user_id LIMIT $4"},
      {kScoreOf, "SELECT score FROM leaderboard_scores WHERE period = $1 AND user_id = $2::uuid"},
      {kCountAbove,
       "SELECT count(*) FILTER (WHERE score > $2), count(*) FROM leaderboard_scores "
       "WHERE period = $1 AND score >= $2"},
      {kCountAboveBounded,
       "SELECT count(*) FROM (SELECT 1 FROM leaderboard_scores "
       "                      WHERE period = $1 AND score > $2 LIMIT $3) above"},
      {kTies, "SELECT count(*) FROM leaderboard_scores WHERE period = $1 AND score = $2"},
      {kScoreCounts,
       "SELECT score, count(*) FROM leaderboard_scores WHERE period = $1 GROUP BY score"},
  };
}

void LeaderboardStore::AddPoints(db::WriteTx& tx, const std::string& user_id, int64_t points,
                                 const std::vector<std::string>& periods) {
  // Period keys are made by leaderboard_rules ("all", "d...", "w...").
  tx.Query(
      "INSERT INTO leaderboard_scores (period, user_id, score) "
      "SELECT unnest($1::text[]), $2::uuid, $3 "
      "ON CONFLICT (period, user_id) DO UPDATE "
      "SET score = leaderboard_scores.score + EXCLUDED.score, updated_at = clock_timestamp()",
      absl::StrCat("{", absl::StrJoin(periods, ","), "}"), user_id, points);
}

std::vector<BoardRow> LeaderboardStore::Page(db::ReadTx& tx, const std::string& period,
                                             const std::optional<api::KeysetPosition>& after,
                                             int limit) {
  if (!after) return Rows(tx.QueryPrepared(kFirstPage, period, limit));
  // The rows after a position are the rows ranked below it.
  return Below(tx, period, after->key, after->id, limit);
}

std::vector<BoardRow> LeaderboardStore::Above(db::ReadTx& tx, const std::string& period,
                                              int64_t score, const std::string& user_id,
                                              int limit) {
  std::vector<BoardRow> rows = Rows(tx.QueryPrepared(kAbove, period, score, user_id, limit));
  std::reverse(rows.begin(), rows.end());
  return rows;
}

std::vector<BoardRow> LeaderboardStore::Below(db::ReadTx& tx, const std::string& period,
                                              int64_t score, const std::string& user_id,
                                              int limit) {
  return Rows(tx.QueryPrepared(kBelow, period, score, user_id, limit));
}

std::optional<int64_t> LeaderboardStore::ScoreOf(db::ReadTx& tx, const std::string& period,
                                                 const std::string& user_id) {
  pqxx::result rows = tx.QueryPrepared(kScoreOf, period, user_id);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<int64_t>();
}

std::pair<int64_t, int64_t> LeaderboardStore::CountAbove(db::ReadTx& tx, const std::string& period,
                                                         int64_t score) {
  pqxx::row row = tx.QueryPrepared(kCountAbove, period, score)[0];
  return {row[0].as<int64_t>(), row[1].as<int64_t>()};
}

int64_t LeaderboardStore::CountAboveBounded(db::ReadTx& tx, const std::string& period,
                                            int64_t score, int64_t limit) {
  return tx.QueryPrepared(kCountAboveBounded, period, score, limit)[0][0].as<int64_t>();
}

int64_t LeaderboardStore::CountTies(db::ReadTx& tx, const std::string& period, int64_t score) {
  return tx.QueryPrepared(kTies, period, score)[0][0].as<int64_t>();
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
