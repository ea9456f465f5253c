#include "quest/progress_rules.h"

#include <algorithm>

namespace qs::quest {

Streak AfterSolve(const Streak& streak, absl::CivilDay day) {
  Streak next = streak;
  if (streak.last_solved_on && *streak.last_solved_on == day) return next;
  if (streak.last_solved_on && *streak.last_solved_on == day - 1) {
    next.current = streak.current + 1;
  } else {
    next.current = 1;
  }
  next.best = std::max(next.best, next.current);
  next.last_solved_on = day;
  return next;
}

Streak AsOf(const Streak& streak, absl::CivilDay today) {
  Streak shown = streak;
  if (!streak.last_solved_on || *streak.last_solved_on < today - 1) shown.current = 0;
  return shown;
}

int64_t ScoreAttempt(bool correct, int puzzle_rating, int64_t time_taken_ms) {
  if (!correct) return 0;
  const int64_t seconds = time_taken_ms / 1000;
  return puzzle_rating / 10 + std::max<int64_t>(0, 30 - seconds);
}

}  // namespace qs::quest
