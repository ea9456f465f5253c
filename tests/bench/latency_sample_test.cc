#include "tests/bench/latency_sample.h"

#include "gtest/gtest.h"

namespace qs::bench {
namespace {

TEST(LatencySampleTest, PercentilesAreNearestRankOfTheWholeSample) {
  LatencySample sample;
  for (int ms = 100; ms >= 1; --ms) sample.Record(absl::Milliseconds(ms));
  EXPECT_EQ(sample.count(), 100);
  EXPECT_EQ(sample.Percentile(0.5), absl::Milliseconds(50));
  EXPECT_EQ(sample.Percentile(0.9), absl::Milliseconds(90));
  EXPECT_EQ(sample.Percentile(0.99), absl::Milliseconds(99));
  EXPECT_EQ(sample.Percentile(0.999), absl::Milliseconds(100));
  EXPECT_EQ(sample.Percentile(0), absl::Milliseconds(1));
  EXPECT_EQ(sample.Max(), absl::Milliseconds(100));
  EXPECT_EQ(sample.Mean(), absl::Microseconds(50500));
}

TEST(LatencySampleTest, RecordingAfterReadingStillCounts) {
  LatencySample sample;
  sample.Record(absl::Milliseconds(5));
  EXPECT_EQ(sample.Percentile(0.99), absl::Milliseconds(5));
  sample.Record(absl::Milliseconds(1));
  EXPECT_EQ(sample.Percentile(0.5), absl::Milliseconds(1));
  EXPECT_EQ(sample.Max(), absl::Milliseconds(5));
}

TEST(LatencySampleTest, MergeAndEmpty) {
  LatencySample empty;
  EXPECT_EQ(empty.Percentile(0.99), absl::ZeroDuration());
  EXPECT_EQ(empty.Max(), absl::ZeroDuration());
  LatencySample a, b;
  a.Record(absl::Milliseconds(1));
  b.Record(absl::Milliseconds(3));
  a.Merge(b);
  EXPECT_EQ(a.count(), 2);
  EXPECT_EQ(a.Max(), absl::Milliseconds(3));
}

}  // namespace
}  // namespace qs::bench
