// All SQL for `leaderboard_scores`. Rows are ordered by (score DESC,
// user_id ASC); ranks come from counting the scores above (see
// leaderboard_rules.h), which the (period, score DESC, user_id) index
// answers as an index-only range scan.
#ifndef QS_QUEST_LEADERBOARD_STORE_H_
#define QS_QUEST_LEADERBOARD_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "common/api/keyset_position.h"
#include "common/db/database.h"
#include "common/db/transaction.h"

namespace qs::quest {

struct BoardRow {
  std::string user_id;
  int64_t score;
};

class LeaderboardStore {
 public:
  // The reads below, prepared once per connection (see ServiceDefinition).
  static std::vector<db::PreparedStatement> PreparedStatements();

  // Adds `points` for `user_id` in every period of `periods`.
  void AddPoints(db::WriteTx& tx, const std::string& user_id, int64_t points,
                 const std::vector<std::string>& periods);

  // Rows after `after` (key = score, id = user_id) in rank order.
  std::vector<BoardRow> Page(db::ReadTx& tx, const std::string& period,
                             const std::optional<api::KeysetPosition>& after, int limit);
  // Up to `limit` rows ranked just above / just below (score, user_id), in
  // rank order.
  std::vector<BoardRow> Above(db::ReadTx& tx, const std::string& period, int64_t score,
                              const std::string& user_id, int limit);
  std::vector<BoardRow> Below(db::ReadTx& tx, const std::string& period, int64_t score,
                              const std::string& user_id, int limit);

  std::optional<int64_t> ScoreOf(db::ReadTx& tx, const std::string& period,
                                 const std::string& user_id);

  // Rows with a score > `score`, and with a score >= `score`: O(rank).
  std::pair<int64_t, int64_t> CountAbove(db::ReadTx& tx, const std::string& period, int64_t score);
  // Rows with a score > `score`, counting no further than `limit`.
  int64_t CountAboveBounded(db::ReadTx& tx, const std::string& period, int64_t score,
                            int64_t limit);
  // Rows with exactly `score`.
  int64_t CountTies(db::ReadTx& tx, const std::string& period, int64_t score);
  // (score, rows with it) of the whole period: a full index-only scan.
  std::vector<std::pair<int64_t, int64_t>> ScoreCounts(db::ReadTx& tx, const std::string& period);
};

}  // namespace qs::quest

#endif  // QS_QUEST_LEADERBOARD_STORE_H_
