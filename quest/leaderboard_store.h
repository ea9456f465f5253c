// All SQL for `leaderboard_scores`. Rows are ordered by (score DESC,
// user_id ASC); ranks come from counting the scores above (see
// leaderboard_rules.h), which the (period, score DESC, user_id) index
// answers as an index-only range scan.
//
// The reads of the RPCs are on the async read path (common/db/async_rows.h):
// a slice of the board and the counts that rank its first row come from one
// statement, so they are of one snapshot. Only the histogram's full scan
// (ScoreCounts, read by a background thread) blocks.
#ifndef QS_QUEST_LEADERBOARD_STORE_H_
#define QS_QUEST_LEADERBOARD_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/api/keyset_position.h"
#include "common/db/async_read_pool.h"
#include "common/db/database.h"
#include "common/db/transaction.h"

namespace qs::quest {

struct BoardRow {
  std::string user_id;
  int64_t score;
};

// What ranks a row near the top of its board, counted in the statement that
// read it: the rows scoring above it, counted no further than the bound the
// caller gave, and the rows tied with it, counted only when fewer than the
// bound score above (deep down a score may be shared by half the board).
struct NearCounts {
  int64_t above = 0;
  std::optional<int64_t> ties;  // set exactly when above < the bound
};

// A contiguous run of a board in rank order, and the NearCounts of its first
// row (zero when it is empty).
struct BoardSlice {
  std::vector<BoardRow> rows;
  NearCounts near;
};

class LeaderboardStore {
 public:
  using SliceDone = std::function<void(absl::StatusOr<BoardSlice>)>;
  // (rows with a score > s, rows with a score >= s)
  using CountsDone = std::function<void(absl::StatusOr<std::pair<int64_t, int64_t>>)>;

  // The reads below, prepared once per connection (see ServiceDefinition).
  static std::vector<db::PreparedStatement> PreparedStatements();

  // Adds `points` for `user_id` in every period of `periods`.
  void AddPoints(db::WriteTx& tx, const std::string& user_id, int64_t points,
                 const std::vector<std::string>& periods);

  // Async reads: `done` runs on the read path's loop thread and must not
  // block (or on the calling thread for a call refused before any work).
  //
  // Up to `limit` rows after `after` (key = score, id = user_id; nullopt:
  // from the top) in rank order, counted near the top up to `count_bound`.
  static void PageAsync(db::AsyncReadPool& reads, const std::string& period,
                        const std::optional<api::KeysetPosition>& after, int limit,
                        int64_t count_bound, absl::Time deadline, SliceDone done);
  // `user_id`'s row with up to `radius` rows ranked just above and just
  // below it, counted near the top up to `count_bound`; no rows when the
  // user has no score in `period`.
  static void AroundAsync(db::AsyncReadPool& reads, const std::string& period,
                          const std::string& user_id, int radius, int64_t count_bound,
                          absl::Time deadline, SliceDone done);
  // The rows scoring above `score` and at or above it, all counted: O(rank).
  static void CountAboveAsync(db::AsyncReadPool& reads, const std::string& period, int64_t score,
                              absl::Time deadline, CountsDone done);

  // (score, rows with it) of the whole period: a full index-only scan.
  std::vector<std::pair<int64_t, int64_t>> ScoreCounts(db::ReadTx& tx, const std::string& period);
};

}  // namespace qs::quest

#endif  // QS_QUEST_LEADERBOARD_STORE_H_
