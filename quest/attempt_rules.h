// Pure rules of submitting an attempt: who may submit, and what one
// submission does to the user's progress and rating. No I/O;
// unit-tested in tests/quest/attempt_rules_test.cc.
#ifndef QS_QUEST_ATTEMPT_RULES_H_
#define QS_QUEST_ATTEMPT_RULES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "proto/quest/v1/attempts.pb.h"
#include "quest/progress_rules.h"
#include "quest/rating.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

// A user's counters, streak and rating.
struct Progress {
  int64_t solved_count = 0;
  int64_t attempt_count = 0;
  int64_t total_score = 0;
  Streak streak;
  Rating rating;
};

// OK when `user` may submit `attempt`: PERMISSION_DENIED for another user's
// attempt, FAILED_PRECONDITION for one already submitted.
absl::Status CheckSubmittable(const v1::Attempt& attempt, const std::string& user);

struct Submission {
  bool correct = false;
  // Only a user's first submitted attempt at a puzzle moves the ratings.
  bool rated = false;
  int64_t time_taken_ms = 0;
};

struct SubmissionOutcome {
  int64_t score = 0;
  double rating_before = 0;
  // When the attempt was rated: the game as the puzzle's side records it
  // for its rating period (the user's rating before, the puzzle's score).
  // The puzzle's rating moves once per period (puzzle_period_job.h), not
  // per submit: the user's moves at once, against the puzzle's rating as
  // of its last period.
  std::optional<GameResult> puzzle_game;
};

// Applies one submission on `today` (UTC) to `progress`: the attempt
// counter, on a correct answer the solve counter, score and streak, and when
// rated the user's Glicko-2 rating (and the puzzle's game, see above). The score counts the
// puzzle's rating before this attempt.
SubmissionOutcome ApplySubmission(const Submission& submission, const Rating& puzzle,
                                  absl::CivilDay today, Progress& progress);

}  // namespace qs::quest

#endif  // QS_QUEST_ATTEMPT_RULES_H_
