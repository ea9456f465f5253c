// Pure rules of a user's progress: scoring an attempt and the daily streak
// (UTC days). No I/O; unit-tested in tests/quest/progress_rules_test.cc.
#ifndef QS_QUEST_PROGRESS_RULES_H_
#define QS_QUEST_PROGRESS_RULES_H_

#include <cstdint>
#include <optional>

#include "absl/time/civil_time.h"

namespace qs::quest {

struct Streak {
  int current = 0;
  int best = 0;
  std::optional<absl::CivilDay> last_solved_on;  // UTC day
};

// A correct solve on `day` (UTC): the same day keeps the streak, the next
// day extends it, a gap restarts it at 1.
Streak AfterSolve(const Streak& streak, absl::CivilDay day);

// The streak as shown on `today`: a streak whose last solve is older than
// yesterday is broken (current 0) even before the next solve.
Streak AsOf(const Streak& streak, absl::CivilDay today);

// Points for an attempt: 0 when wrong; otherwise a tenth of the puzzle's
// rating plus up to 30 for speed (one point per second under 30 s).
int64_t ScoreAttempt(bool correct, int puzzle_rating, int64_t time_taken_ms);

}  // namespace qs::quest

#endif  // QS_QUEST_PROGRESS_RULES_H_
