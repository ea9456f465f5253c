#include "quest/attempt_rules.h"

namespace qs::quest {

absl::Status CheckSubmittable(const v1::Attempt& attempt, const std::string& user) {
  if (attempt.user_id() != user) {
    return absl::PermissionDeniedError("attempt_id: the attempt belongs to another user");
  }
  if (attempt.verdict() != v1::VERDICT_UNSPECIFIED) {
    return absl::FailedPreconditionError("attempt_id: the attempt was already submitted");
  }
  return absl::OkStatus();
}

SubmissionOutcome ApplySubmission(const Submission& submission, const Rating& puzzle,
                                  absl::CivilDay today, Progress& progress) {
  SubmissionOutcome outcome;
  outcome.rating_before = progress.rating.rating;
  if (submission.rated) {
    // The puzzle's side of the game, played against the user's rating as it
    // was before (a rating period rates every game from its start).
    outcome.puzzle_game = GameResult{progress.rating, submission.correct ? 0.0 : 1.0};
    progress.rating = UpdateRating(progress.rating, {{puzzle, submission.correct ? 1.0 : 0.0}});
  }
  outcome.score =
      ScoreAttempt(submission.correct, static_cast<int>(puzzle.rating), submission.time_taken_ms);
  progress.attempt_count += 1;
  if (submission.correct) {
    progress.solved_count += 1;
    progress.total_score += outcome.score;
    progress.streak = AfterSolve(progress.streak, today);
  }
  return outcome;
}

}  // namespace qs::quest
