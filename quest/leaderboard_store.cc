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

}  // namespace

void LeaderboardStore::AddPoints(db::WriteTx& tx, const std::string& user_id,
                                 int64_t points, const std::vector<std::string>& periods) {
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
  return Rows(tx.Query(
      "SELECT user_id::text, score FROM leaderboard_scores WHERE period = $1 "
      "AND ($2 = '' OR score < $3 OR (score = $3 AND user_id > nullif($2, '')::uuid)) "
      "ORDER BY score DESC, user_id LIMIT $4",
      period, after ? after->id : std::string(), after ? after->key : int64_t{0}, limit));
}

std::vector<BoardRow> LeaderboardStore::Above(db::ReadTx& tx, const std::string& period,
                                              int64_t score, const std::string& user_id,
                                              int limit) {
  std::vector<BoardRow> rows = Rows(tx.Query(
      "SELECT user_id::text, score FROM leaderboard_scores WHERE period = $1 "
      "AND (score > $2 OR (score = $2 AND user_id < $3::uuid)) "
      "ORDER BY score ASC, user_id DESC LIMIT $4",
      period, score, user_id, limit));
  std::reverse(rows.begin(), rows.end());
  return rows;
}

std::vector<BoardRow> LeaderboardStore::Below(db::ReadTx& tx, const std::string& period,
                                              int64_t score, const std::string& user_id,
                                              int limit) {
  return Rows(tx.Query(
      "SELECT user_id::text, score FROM leaderboard_scores WHERE period = $1 "
      "AND (score < $2 OR (score = $2 AND user_id > $3::uuid)) "
      "ORDER BY score DESC, user_id LIMIT $4",
      period, score, user_id, limit));
}

std::optional<int64_t> LeaderboardStore::ScoreOf(db::ReadTx& tx, const std::string& period,
                                                 const std::string& user_id) {
  pqxx::result rows = tx.Query(
      "SELECT score FROM leaderboard_scores WHERE period = $1 AND user_id = $2::uuid",
      period, user_id);
  if (rows.empty()) return std::nullopt;
  return rows[0][0].as<int64_t>();
}

std::pair<int64_t, int64_t> LeaderboardStore::CountAbove(db::ReadTx& tx,
                                                         const std::string& period,
                                                         int64_t score) {
  pqxx::row row = tx.Query(
      "SELECT count(*) FILTER (WHERE score > $2), count(*) FROM leaderboard_scores "
      "WHERE period = $1 AND score >= $2",
      period, score)[0];
  return {row[0].as<int64_t>(), row[1].as<int64_t>()};
}

}  // namespace qs::quest
