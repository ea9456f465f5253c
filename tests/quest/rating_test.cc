#include "quest/rating.h"

#include "gtest/gtest.h"

namespace qs::quest {
namespace {

// The worked example of Glickman's "Example of the Glicko-2 system".
TEST(RatingTest, MatchesGlickmansWorkedExample) {
  Rating player{1500, 200, 0.06};
  Rating updated = UpdateRating(
      player, {{{1400, 30, 0.06}, 1.0}, {{1550, 100, 0.06}, 0.0}, {{1700, 300, 0.06}, 0.0}});
  EXPECT_NEAR(updated.rating, 1464.06, 0.01);
  EXPECT_NEAR(updated.deviation, 151.52, 0.01);
  EXPECT_NEAR(updated.volatility, 0.05999, 0.00001);
}

TEST(RatingTest, AWinRaisesTheUserAndLowersThePuzzle) {
  Rating user{1500, 350, 0.06};
  Rating puzzle{1500, 100, 0.06};
  auto [user_after, puzzle_after] = RateAttempt(user, puzzle, true);
  EXPECT_GT(user_after.rating, user.rating);
  EXPECT_LT(puzzle_after.rating, puzzle.rating);
  EXPECT_LT(user_after.deviation, user.deviation) << "a game makes the rating surer";
  auto [user_lost, puzzle_won] = RateAttempt(user, puzzle, false);
  EXPECT_LT(user_lost.rating, user.rating);
  EXPECT_GT(puzzle_won.rating, puzzle.rating);
  // A new (uncertain) user moves more than the established puzzle.
  EXPECT_GT(user_after.rating - user.rating, puzzle.rating - puzzle_after.rating);
}

TEST(RatingTest, NoGamesOnlyWidensTheDeviation) {
  Rating idle = UpdateRating({1600, 50, 0.06}, {});
  EXPECT_EQ(idle.rating, 1600);
  EXPECT_GT(idle.deviation, 50);
  EXPECT_LE(UpdateRating({1600, 350, 0.06}, {}).deviation, 350);
}

}  // namespace
}  // namespace qs::quest
