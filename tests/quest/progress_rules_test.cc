#include "quest/progress_rules.h"

#include "gtest/gtest.h"

namespace qs::quest {
namespace {

TEST(ProgressRulesTest, StreakGrowsOnConsecutiveUtcDaysAndRestartsAfterAGap) {
  Streak streak;
  streak = AfterSolve(streak, absl::CivilDay(2026, 11, 24));
  EXPECT_EQ(streak.current, 1);
  streak = AfterSolve(streak, absl::CivilDay(2026, 11, 24));  // same day
  EXPECT_EQ(streak.current, 1);
  streak = AfterSolve(streak, absl::CivilDay(2026, 11, 25));  // across midnight
  EXPECT_EQ(streak.current, 2);
  streak = AfterSolve(streak, absl::CivilDay(2026, 11, 26));
  EXPECT_EQ(streak.current, 3);
  EXPECT_EQ(streak.best, 3);
  streak = AfterSolve(streak, absl::CivilDay(2026, 11, 28));  // missed the 27th
  EXPECT_EQ(streak.current, 1);
  EXPECT_EQ(streak.best, 3);
}

TEST(ProgressRulesTest, StreakRollsOverMonthAndYearEnds) {
  Streak streak;
  streak = AfterSolve(streak, absl::CivilDay(2026, 12, 31));
  streak = AfterSolve(streak, absl::CivilDay(2027, 1, 1));
  EXPECT_EQ(streak.current, 2);
  streak = AfterSolve(streak, absl::CivilDay(2027, 1, 2));
  EXPECT_EQ(streak.current, 3);
}

TEST(ProgressRulesTest, ShownStreakBreaksAfterAMissedDay) {
  Streak streak;
  streak = AfterSolve(streak, absl::CivilDay(2026, 11, 24));
  streak = AfterSolve(streak, absl::CivilDay(2026, 11, 25));
  EXPECT_EQ(AsOf(streak, absl::CivilDay(2026, 11, 25)).current, 2);
  EXPECT_EQ(AsOf(streak, absl::CivilDay(2026, 11, 26)).current, 2) << "still today";
  EXPECT_EQ(AsOf(streak, absl::CivilDay(2026, 11, 27)).current, 0);
  EXPECT_EQ(AsOf(streak, absl::CivilDay(2026, 11, 27)).best, 2);
}

TEST(ProgressRulesTest, Scoring) {
  EXPECT_EQ(ScoreAttempt(false, 2000, 1000), 0);
  EXPECT_EQ(ScoreAttempt(true, 2000, 1000), 200 + 29);
  EXPECT_EQ(ScoreAttempt(true, 1500, 45000), 150);
}

}  // namespace
}  // namespace qs::quest
