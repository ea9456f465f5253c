// The background half of a puzzle's plays and rating: StartAttempt and
// SubmitAttempt append plays and rated games (puzzle_store.h) instead of
// locking the puzzle's row; these statements fold them into the row, for
// the jobs of puzzle_period_job.h. libpqxx exceptions propagate to
// Database::Write.
#ifndef QS_QUEST_PUZZLE_PERIOD_STORE_H_
#define QS_QUEST_PUZZLE_PERIOD_STORE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/db/transaction.h"
#include "quest/rating.h"

namespace qs::quest {

// One closed rating period's games of one puzzle, as the puzzle's side
// played them.
struct PeriodGames {
  std::string puzzle_id;
  int64_t period = 0;  // floor(Unix seconds of recording / period length)
  std::vector<GameResult> games;
};

class PuzzlePeriodStore {
 public:
  // Whether this transaction may run a period job (a fold or a rating
  // pass): one at a time across every quest instance (a transaction-scoped
  // advisory lock). So a puzzle's period is never split between two
  // updates, and two jobs never lock puzzle rows in different orders.
  bool TryLockPeriodJobs(db::WriteTx& tx);

  // Moves up to `limit` appended plays into their puzzles' play_count;
  // returns how many. Call after TryLockPeriodJobs.
  int64_t FoldPlays(db::WriteTx& tx, int limit);

  // Takes (deletes) every game recorded before the current period began,
  // by the database clock, grouped per puzzle and period, each puzzle's
  // periods oldest first.
  std::vector<PeriodGames> TakeClosedPeriods(db::WriteTx& tx, absl::Duration period);

  // The ratings of `puzzle_ids` that exist, locked in id order (FOR NO KEY
  // UPDATE: a foreign-key check of an attempt or match answer on the
  // puzzle, FOR KEY SHARE, need not wait).
  std::map<std::string, Rating> LockRatings(db::WriteTx& tx,
                                            const std::vector<std::string>& puzzle_ids);
};

}  // namespace qs::quest

#endif  // QS_QUEST_PUZZLE_PERIOD_STORE_H_
