#include "quest/attempt_rules.h"

#include "gtest/gtest.h"
#include "quest/progress_rules.h"
#include "quest/rating.h"

namespace qs::quest {
namespace {

constexpr char kUser[] = "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13";
constexpr char kOther[] = "7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e";

v1::Attempt OpenAttempt() {
  v1::Attempt attempt;
  attempt.set_id("a8e3f0c5-9d1b-4c7e-8a41-2b6f0e9d7c13");
  attempt.set_user_id(kUser);
  return attempt;
}

Progress Someone() {
  Progress progress;
  progress.solved_count = 4;
  progress.attempt_count = 9;
  progress.total_score = 700;
  progress.streak = {2, 5, absl::CivilDay(2026, 11, 24)};
  progress.rating = {1610, 120, 0.06};
  return progress;
}

void ExpectSameRating(const Rating& a, const Rating& b) {
  EXPECT_DOUBLE_EQ(a.rating, b.rating);
  EXPECT_DOUBLE_EQ(a.deviation, b.deviation);
  EXPECT_DOUBLE_EQ(a.volatility, b.volatility);
}

TEST(AttemptRulesTest, OnlyTheOwnerMaySubmitAnOpenAttempt) {
  EXPECT_TRUE(CheckSubmittable(OpenAttempt(), kUser).ok());

  absl::Status foreign = CheckSubmittable(OpenAttempt(), kOther);
  EXPECT_EQ(foreign.code(), absl::StatusCode::kPermissionDenied) << foreign;
  EXPECT_EQ(foreign.message().rfind("attempt_id:", 0), 0u) << foreign;

  for (v1::Verdict verdict : {v1::VERDICT_CORRECT, v1::VERDICT_INCORRECT}) {
    v1::Attempt submitted = OpenAttempt();
    submitted.set_verdict(verdict);
    absl::Status again = CheckSubmittable(submitted, kUser);
    EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition) << again;
    EXPECT_EQ(again.message().rfind("attempt_id:", 0), 0u) << again;
    // Another user's submitted attempt is theirs first of all.
    EXPECT_EQ(CheckSubmittable(submitted, kOther).code(), absl::StatusCode::kPermissionDenied);
  }
}

TEST(AttemptRulesTest, ARatedCorrectAnswerCountsScoresStreaksMovesTheUserAndRecordsTheGame) {
  Progress progress = Someone();
  const Rating user_before = progress.rating;
  const Rating puzzle{1700, 80, 0.06};
  const Rating user_after = RateAttempt(progress.rating, puzzle, true).first;
  const SubmissionOutcome outcome =
      ApplySubmission({.correct = true, .rated = true, .time_taken_ms = 12'400}, puzzle,
                      absl::CivilDay(2026, 11, 25), progress);

  EXPECT_EQ(outcome.score, 170 + 18) << "rating/10 + (30 - 12 whole seconds)";
  EXPECT_EQ(outcome.score, ScoreAttempt(true, 1700, 12'400));
  EXPECT_DOUBLE_EQ(outcome.rating_before, 1610);
  // The puzzle's side: a loss against the user's rating before the game.
  ASSERT_TRUE(outcome.puzzle_game.has_value());
  ExpectSameRating(outcome.puzzle_game->opponent, user_before);
  EXPECT_EQ(outcome.puzzle_game->score, 0.0) << "the puzzle lost";
  ExpectSameRating(progress.rating, user_after);
  EXPECT_GT(progress.rating.rating, 1610);

  EXPECT_EQ(progress.attempt_count, 10);
  EXPECT_EQ(progress.solved_count, 5);
  EXPECT_EQ(progress.total_score, 700 + 188);
  EXPECT_EQ(progress.streak.current, 3) << "the 24th, then the 25th";
  EXPECT_EQ(progress.streak.best, 5);
  EXPECT_EQ(progress.streak.last_solved_on, absl::CivilDay(2026, 11, 25));
}

TEST(AttemptRulesTest, TheScoreUsesThePuzzleRatingBeforeTheAttempt) {
  Progress progress = Someone();
  // A new puzzle (wide deviation) moves far on its first rated attempt.
  const Rating puzzle{1509.9, 350, 0.06};
  const SubmissionOutcome outcome =
      ApplySubmission({.correct = true, .rated = true, .time_taken_ms = 45'000}, puzzle,
                      absl::CivilDay(2026, 11, 25), progress);
  ASSERT_NE(static_cast<int>(RateAttempt(Someone().rating, puzzle, true).second.rating) / 10, 150)
      << "the rating after must score differently for this test to tell";
  EXPECT_EQ(outcome.score, 150) << "a tenth of 1509 (whole points), no speed bonus after 30 s";
  EXPECT_EQ(outcome.score, ScoreAttempt(true, 1509, 45'000));
  EXPECT_EQ(progress.total_score, 700 + 150);
}

TEST(AttemptRulesTest, ARatedWrongAnswerMovesTheUserRecordsTheGameButScoresNothing) {
  Progress progress = Someone();
  const Rating user_before = progress.rating;
  const Rating puzzle{1500, 150, 0.06};
  const Rating user_after = RateAttempt(progress.rating, puzzle, false).first;
  const SubmissionOutcome outcome =
      ApplySubmission({.correct = false, .rated = true, .time_taken_ms = 2'000}, puzzle,
                      absl::CivilDay(2026, 11, 25), progress);
  EXPECT_EQ(outcome.score, 0);
  EXPECT_DOUBLE_EQ(outcome.rating_before, 1610);
  ASSERT_TRUE(outcome.puzzle_game.has_value());
  ExpectSameRating(outcome.puzzle_game->opponent, user_before);
  EXPECT_EQ(outcome.puzzle_game->score, 1.0) << "the puzzle won";
  ExpectSameRating(progress.rating, user_after);
  EXPECT_LT(progress.rating.rating, 1610);
  EXPECT_EQ(progress.attempt_count, 10);
  EXPECT_EQ(progress.solved_count, 4);
  EXPECT_EQ(progress.total_score, 700);
  EXPECT_EQ(progress.streak.current, 2) << "a wrong answer does not touch the streak";
  EXPECT_EQ(progress.streak.last_solved_on, absl::CivilDay(2026, 11, 24));
}

TEST(AttemptRulesTest, AnUnratedAttemptLeavesBothRatingsAlone) {
  Progress progress = Someone();
  const Rating before = progress.rating;
  const Rating puzzle{1800, 90, 0.06};
  const SubmissionOutcome right =
      ApplySubmission({.correct = true, .rated = false, .time_taken_ms = 0}, puzzle,
                      absl::CivilDay(2026, 11, 28), progress);
  EXPECT_FALSE(right.puzzle_game.has_value());
  EXPECT_DOUBLE_EQ(right.rating_before, 1610);
  ExpectSameRating(progress.rating, before);
  EXPECT_EQ(right.score, 180 + 30) << "an unrated solve still scores";
  EXPECT_EQ(progress.solved_count, 5);
  EXPECT_EQ(progress.attempt_count, 10);
  EXPECT_EQ(progress.total_score, 910);
  EXPECT_EQ(progress.streak.current, 1) << "a gap after the 24th restarts the streak";
  EXPECT_EQ(progress.streak.best, 5);

  const SubmissionOutcome wrong =
      ApplySubmission({.correct = false, .rated = false, .time_taken_ms = 500}, puzzle,
                      absl::CivilDay(2026, 11, 28), progress);
  EXPECT_FALSE(wrong.puzzle_game.has_value());
  EXPECT_EQ(wrong.score, 0);
  ExpectSameRating(progress.rating, before);
  EXPECT_EQ(progress.attempt_count, 11);
  EXPECT_EQ(progress.solved_count, 5);
  EXPECT_EQ(progress.total_score, 910);
}

TEST(AttemptRulesTest, SolvesOnConsecutiveDaysBuildTheStreakFromNothing) {
  Progress progress;
  const Rating puzzle{1500, 200, 0.06};
  for (int day = 1; day <= 3; ++day) {
    ApplySubmission({.correct = true, .rated = false, .time_taken_ms = 1'000}, puzzle,
                    absl::CivilDay(2026, 12, day), progress);
  }
  // A second solve on the same day keeps the streak.
  ApplySubmission({.correct = true, .rated = false, .time_taken_ms = 1'000}, puzzle,
                  absl::CivilDay(2026, 12, 3), progress);
  EXPECT_EQ(progress.streak.current, 3);
  EXPECT_EQ(progress.streak.best, 3);
  EXPECT_EQ(progress.solved_count, 4);
  EXPECT_EQ(progress.attempt_count, 4);
  EXPECT_EQ(progress.total_score, 4 * (150 + 29));
}

}  // namespace
}  // namespace qs::quest
