// PipelineProgress: when a pipeline's head counts as stalled, and how long
// the pipeline has been idle, from counts and samples alone.
#include "common/db/pipeline_progress.h"

#include "gtest/gtest.h"

namespace qs::db {
namespace {

constexpr absl::Duration kStallAfter = absl::Milliseconds(100);
constexpr absl::Duration kTick = absl::Milliseconds(25);

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

TEST(PipelineProgressTest, AHeadIsStalledOnlyOnceItHasBeenTheHeadForTheThreshold) {
  PipelineProgress progress;
  progress.Sample(kStart, kStallAfter);
  progress.OnSent();  // Sent between the first two samples.
  absl::Time now = kStart;
  for (int tick = 1; tick <= 4; ++tick) {
    now += kTick;
    progress.Sample(now, kStallAfter);
    // Measured from the first sample that saw it: 75 ms at most by tick 4.
    EXPECT_FALSE(progress.stalled()) << "tick " << tick;
  }
  now += kTick;  // The first sample that saw it is 100 ms old now.
  progress.Sample(now, kStallAfter);
  EXPECT_TRUE(progress.stalled());
  progress.OnAnswered();
  EXPECT_FALSE(progress.stalled()) << "an answer ends the stall at once";
}

TEST(PipelineProgressTest, StatementsQueuedBehindAMovingHeadAreNoStall) {
  PipelineProgress progress;
  progress.Sample(kStart, kStallAfter);
  for (int i = 0; i < 32; ++i) progress.OnSent();
  // One answer every 50 ms: the queue is older than the threshold, each
  // head is not.
  absl::Time now = kStart;
  for (int answer = 0; answer < 31; ++answer) {
    for (int tick = 0; tick < 2; ++tick) {
      now += kTick;
      progress.Sample(now, kStallAfter);
      EXPECT_FALSE(progress.stalled()) << "answer " << answer;
    }
    progress.OnAnswered();
  }
}

TEST(PipelineProgressTest, TheNextHeadStartsItsOwnClock) {
  PipelineProgress progress;
  progress.OnSent();
  progress.OnSent();
  progress.Sample(kStart, kStallAfter);
  progress.Sample(kStart + kStallAfter, kStallAfter);
  ASSERT_TRUE(progress.stalled());
  progress.OnAnswered();
  EXPECT_FALSE(progress.stalled());
  progress.Sample(kStart + kStallAfter + kTick, kStallAfter);
  EXPECT_FALSE(progress.stalled()) << "the second has been the head for under one tick";
  progress.Sample(kStart + 2 * kStallAfter + kTick, kStallAfter);
  EXPECT_TRUE(progress.stalled());
  progress.OnAnswered();
  EXPECT_TRUE(progress.idle());
  EXPECT_FALSE(progress.stalled());
}

TEST(PipelineProgressTest, AGapBetweenSamplesNeverMakesAFreshHeadStalled) {
  PipelineProgress progress;
  progress.Sample(kStart, kStallAfter);
  // The timer stopped while idle; a statement goes out ten seconds later
  // and the next sample comes right after it.
  progress.OnSent();
  progress.Sample(kStart + absl::Seconds(10), kStallAfter);
  EXPECT_FALSE(progress.stalled());
  progress.Sample(kStart + absl::Seconds(10) + kStallAfter, kStallAfter);
  EXPECT_TRUE(progress.stalled());
}

TEST(PipelineProgressTest, IdleTimeCountsFromTheLastSampleThatSawActivity) {
  PipelineProgress progress;
  progress.Sample(kStart, kStallAfter);
  EXPECT_EQ(progress.IdleFor(kStart + absl::Seconds(1)), absl::Seconds(1));

  progress.OnSent();
  EXPECT_EQ(progress.IdleFor(kStart + absl::Seconds(1)), absl::ZeroDuration()) << "out now";
  progress.Sample(kStart + absl::Seconds(1), kStallAfter);
  progress.OnAnswered();
  progress.Sample(kStart + absl::Seconds(2), kStallAfter);
  EXPECT_EQ(progress.IdleFor(kStart + absl::Seconds(5)), absl::Seconds(3));

  // Sent and answered between two samples: still activity.
  progress.OnSent();
  progress.OnAnswered();
  progress.Sample(kStart + absl::Seconds(6), kStallAfter);
  EXPECT_EQ(progress.IdleFor(kStart + absl::Seconds(7)), absl::Seconds(1));
}

}  // namespace
}  // namespace qs::db
