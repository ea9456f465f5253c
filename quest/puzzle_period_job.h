// The two background jobs that keep a puzzle's row up to date without any
// player locking it (puzzle_period_store.h):
// - plays: every PUZZLE_PLAYS_FOLD_SECONDS (10) the plays StartAttempt
//   appended are added to play_count, so GetPuzzle's count trails by about
//   that much;
// - rating: Glicko-2 rates a puzzle per rating period of
//   PUZZLE_RATING_PERIOD_SECONDS (300, aligned to Unix time). Once a period
//   has ended, every game recorded in it (a rated submit: the player's
//   rating before it, and whether the player failed) is applied to the
//   puzzle in one period update, against the puzzle's rating from the
//   start of the period; the job looks every period/4 (at most every 60 s).
//   So a puzzle's rating moves at most once per period, between 0 and about
//   1.25 periods after the games. Players' own ratings move at once, on
//   each submit, against the puzzle's rating as of its last period.
// Any number of quest instances may run them: one job at a time runs,
// across instances (an advisory lock; a job that finds it taken waits for
// its next tick). A game whose transaction began before a period's end but
// committed after the job took that period is applied in a later pass as a
// period update of its own.
#ifndef QS_QUEST_PUZZLE_PERIOD_JOB_H_
#define QS_QUEST_PUZZLE_PERIOD_JOB_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/base/periodic_loop.h"
#include "common/db/database.h"
#include "quest/puzzle_period_store.h"
#include "quest/puzzle_store.h"

namespace qs::quest {

struct PuzzlePeriodOptions {
  absl::Duration rating_period = absl::Seconds(300);  // PUZZLE_RATING_PERIOD_SECONDS
  absl::Duration plays_fold = absl::Seconds(10);      // PUZZLE_PLAYS_FOLD_SECONDS
};

// One pass of each job (the loops' ticks; tests call them directly).
// Plays folded.
absl::StatusOr<int64_t> FoldPuzzlePlays(db::Database& database);
// Puzzles whose rating moved.
absl::StatusOr<int> ApplyClosedRatingPeriods(db::Database& database, absl::Duration period);

class PuzzlePeriodJobs {
 public:
  PuzzlePeriodJobs(db::Database& database, const PuzzlePeriodOptions& options);

  base::PeriodicLoop& plays_folder() { return plays_folder_; }
  base::PeriodicLoop& rating_periods() { return rating_periods_; }

 private:
  db::Database& database_;
  const PuzzlePeriodOptions options_;
  base::PeriodicLoop plays_folder_;  // last: stopped before the state above goes
  base::PeriodicLoop rating_periods_;
};

}  // namespace qs::quest

#endif  // QS_QUEST_PUZZLE_PERIOD_JOB_H_
