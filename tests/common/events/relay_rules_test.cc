// The relay's pure decisions (common/events/relay_rules.h).
#include "common/events/relay_rules.h"

#include "gtest/gtest.h"

namespace qs::events {
namespace {

OutboxRow Row(const std::string& id, const std::string& aggregate) {
  return OutboxRow{id, "t", aggregate, ""};
}

TEST(PlanWavesTest, EachWaveHoldsTheNextRowOfEachAggregateInBatchOrder) {
  EXPECT_EQ(PlanWaves({Row("1", "a"), Row("2", "b"), Row("3", "a"), Row("4", "a"), Row("5", "c"),
                       Row("6", "b")}),
            (std::vector<std::vector<size_t>>{{0, 1, 4}, {2, 5}, {3}}));
}

TEST(PlanWavesTest, DistinctAggregatesGoInOneWaveAndNoRowsInNone) {
  EXPECT_EQ(PlanWaves({Row("1", "a"), Row("2", "b"), Row("3", "c")}),
            (std::vector<std::vector<size_t>>{{0, 1, 2}}));
  EXPECT_TRUE(PlanWaves({}).empty());
}

TEST(IdsToMarkTest, MarksEveryAckedRowWhenNothingFailed) {
  EXPECT_EQ(IdsToMark({Row("1", "a"), Row("2", "b"), Row("3", "a")},
                      {absl::OkStatus(), absl::OkStatus(), absl::OkStatus()}),
            (std::vector<std::string>{"1", "2", "3"}));
}

TEST(IdsToMarkTest, AFailureHoldsBackLaterRowsOfItsAggregateOnly) {
  EXPECT_EQ(IdsToMark({Row("1", "a"), Row("2", "a"), Row("3", "b"), Row("4", "a"), Row("5", "b")},
                      {absl::OkStatus(), absl::UnavailableError("x"), absl::OkStatus(),
                       absl::OkStatus(), absl::OkStatus()}),
            (std::vector<std::string>{"1", "3", "5"}));
}

TEST(IdsToMarkTest, MissingOutcomesCountAsFailures) {
  EXPECT_EQ(IdsToMark({Row("1", "a"), Row("2", "b")}, {absl::OkStatus()}),
            (std::vector<std::string>{"1"}));
}

TEST(NextBackoffTest, DoublesFromTheFirstPauseUpToTheMax) {
  absl::Duration pause = NextBackoff(absl::ZeroDuration(), absl::Seconds(1));
  EXPECT_EQ(pause, kFirstBackoff);
  pause = NextBackoff(pause, absl::Seconds(1));
  EXPECT_EQ(pause, 2 * kFirstBackoff);
  for (int i = 0; i < 10; ++i) pause = NextBackoff(pause, absl::Seconds(1));
  EXPECT_EQ(pause, absl::Seconds(1));
  EXPECT_EQ(NextBackoff(absl::ZeroDuration(), absl::Milliseconds(10)), absl::Milliseconds(10));
}

TEST(RateWindowTest, CountsTheLastMinuteOnly) {
  RateWindow rate(absl::Seconds(60));
  const absl::Time start = absl::FromUnixSeconds(1'000'000);
  rate.Add(start, 600);
  rate.Add(start + absl::Seconds(30), 600);
  EXPECT_DOUBLE_EQ(rate.PerSecond(start + absl::Seconds(30)), 20.0);
  EXPECT_DOUBLE_EQ(rate.PerSecond(start + absl::Seconds(61)), 10.0) << "the first second expired";
  EXPECT_DOUBLE_EQ(rate.PerSecond(start + absl::Seconds(200)), 0.0);
}

}  // namespace
}  // namespace qs::events
