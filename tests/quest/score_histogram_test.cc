#include "quest/score_histogram.h"

#include "gtest/gtest.h"

namespace qs::quest {
namespace {

std::pair<int64_t, int64_t> Counts(int64_t above, int64_t at_or_above) {
  return {above, at_or_above};
}

TEST(ScoreHistogramTest, CountsRowsAboveAndAtOrAboveAScore) {
  ScoreHistogram histogram({{100, 2}, {900, 1}, {500, 3}});
  EXPECT_EQ(histogram.rows(), 6);
  EXPECT_EQ(histogram.CountAbove(900), Counts(0, 1));
  EXPECT_EQ(histogram.CountAbove(500), Counts(1, 4));
  EXPECT_EQ(histogram.CountAbove(100), Counts(4, 6));
}

TEST(ScoreHistogramTest, ScoresBetweenAndBeyondTheKnownOnes) {
  ScoreHistogram histogram({{900, 1}, {500, 3}, {100, 2}});
  EXPECT_EQ(histogram.CountAbove(1000), Counts(0, 0));
  EXPECT_EQ(histogram.CountAbove(700), Counts(1, 1));
  EXPECT_EQ(histogram.CountAbove(50), Counts(6, 6));
}

TEST(ScoreHistogramTest, RepeatedScoresAddUpAndEmptyCountsNothing) {
  ScoreHistogram histogram({{500, 1}, {500, 2}});
  EXPECT_EQ(histogram.CountAbove(500), Counts(0, 3));
  ScoreHistogram empty({});
  EXPECT_EQ(empty.rows(), 0);
  EXPECT_EQ(empty.CountAbove(1), Counts(0, 0));
}

}  // namespace
}  // namespace qs::quest
