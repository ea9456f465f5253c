#include "notification/delivery/retry_policy.h"

#include "gtest/gtest.h"

namespace qs::notification::delivery {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

RetryPolicy Pinned(double fraction, RetryPolicySettings settings = {}) {
  return RetryPolicy(settings, [fraction] { return fraction; });
}

TEST(RetryPolicyTest, TheCeilingDoublesPerAttemptUpToTheCap) {
  RetryPolicy policy = Pinned(0.5, {.max_attempts = 20,
                                    .max_elapsed = absl::Hours(10),
                                    .base_delay = absl::Seconds(1),
                                    .max_delay = absl::Seconds(10)});
  EXPECT_EQ(policy.BackoffCeiling(1), absl::Seconds(1));
  EXPECT_EQ(policy.BackoffCeiling(2), absl::Seconds(2));
  EXPECT_EQ(policy.BackoffCeiling(3), absl::Seconds(4));
  EXPECT_EQ(policy.BackoffCeiling(4), absl::Seconds(8));
  EXPECT_EQ(policy.BackoffCeiling(5), absl::Seconds(10));
  EXPECT_EQ(policy.BackoffCeiling(60), absl::Seconds(10));
}

TEST(RetryPolicyTest, FullJitterScalesTheCeilingByTheRandomFraction) {
  EXPECT_EQ(Pinned(0.0).NextDelay(3, kStart, kStart, std::nullopt), absl::ZeroDuration());
  EXPECT_EQ(Pinned(0.25).NextDelay(3, kStart, kStart, std::nullopt), absl::Seconds(1));
  EXPECT_EQ(Pinned(0.999).NextDelay(3, kStart, kStart, std::nullopt), absl::Seconds(4) * 0.999);
}

TEST(RetryPolicyTest, RealJitterStaysWithinTheRangeAndSpreads) {
  RetryPolicy policy(RetryPolicySettings{}, UniformRandomFromBitGen());
  absl::Duration smallest = absl::InfiniteDuration();
  absl::Duration largest = absl::ZeroDuration();
  for (int i = 0; i < 2000; ++i) {
    std::optional<absl::Duration> delay = policy.NextDelay(4, kStart, kStart, std::nullopt);
    ASSERT_TRUE(delay.has_value());
    ASSERT_GE(*delay, absl::ZeroDuration());
    ASSERT_LT(*delay, absl::Seconds(8));
    smallest = std::min(smallest, *delay);
    largest = std::max(largest, *delay);
  }
  // 2000 uniform draws in [0, 8 s) cover nearly all of it.
  EXPECT_LT(smallest, absl::Milliseconds(400));
  EXPECT_GT(largest, absl::Milliseconds(7600));
}

TEST(RetryPolicyTest, RetryAfterIsALowerBoundEvenPastTheCap) {
  EXPECT_EQ(Pinned(0.1).NextDelay(1, kStart, kStart, absl::Seconds(30)), absl::Seconds(30));
  EXPECT_EQ(Pinned(0.1).NextDelay(1, kStart, kStart, absl::Minutes(20)), absl::Minutes(20));
  // A Retry-After shorter than the jittered delay does not shorten it.
  EXPECT_EQ(Pinned(1.0).NextDelay(3, kStart, kStart, absl::Seconds(1)), absl::Seconds(4));
}

TEST(RetryPolicyTest, GivesUpAfterMaxAttempts) {
  RetryPolicy policy = Pinned(0.5);  // default: 5 attempts
  for (int attempts = 1; attempts <= 4; ++attempts) {
    EXPECT_TRUE(policy.NextDelay(attempts, kStart, kStart, std::nullopt).has_value()) << attempts;
  }
  EXPECT_EQ(policy.NextDelay(5, kStart, kStart, std::nullopt), std::nullopt);
}

TEST(RetryPolicyTest, GivesUpWhenTheRetryWouldLandPastMaxElapsed) {
  RetryPolicy policy = Pinned(0.5);  // default: 1 h
  absl::Time late = kStart + absl::Minutes(59) + absl::Seconds(59);
  EXPECT_TRUE(policy.NextDelay(1, kStart, late, std::nullopt).has_value());  // +0.5 s
  EXPECT_TRUE(policy.NextDelay(2, kStart, late, std::nullopt).has_value());  // +1 s: exactly 1 h
  EXPECT_EQ(policy.NextDelay(3, kStart, late, std::nullopt), std::nullopt);  // +2 s: past 1 h
  EXPECT_EQ(policy.NextDelay(1, kStart, kStart, absl::Hours(2)), std::nullopt);
}

TEST(RetryPolicyTest, BoundedSequenceFromFirstFailureToGivingUp) {
  RetryPolicy policy(RetryPolicySettings{}, UniformRandomFromBitGen());
  absl::Time now = kStart;
  int attempts = 1;
  while (std::optional<absl::Duration> delay =
             policy.NextDelay(attempts, kStart, now, std::nullopt)) {
    now += *delay;
    ++attempts;
    ASSERT_LE(attempts, 5);
  }
  EXPECT_EQ(attempts, 5);
  EXPECT_LE(now - kStart, absl::Seconds(1 + 2 + 4 + 8));
}

TEST(RetryAfterTest, ParsesDelaySeconds) {
  EXPECT_EQ(ParseRetryAfter("120", kStart), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 0 ", kStart), absl::ZeroDuration());
}

TEST(RetryAfterTest, ParsesAnHttpDateRelativeToNow) {
  // kStart is Fri, 15 Jan 2027 08:00:00 GMT.
  EXPECT_EQ(ParseRetryAfter("Fri, 15 Jan 2027 08:02:00 GMT", kStart), absl::Minutes(2));
  EXPECT_EQ(ParseRetryAfter("Fri, 15 Jan 2027 07:00:00 GMT", kStart), absl::ZeroDuration());
}

TEST(RetryAfterTest, RejectsGarbage) {
  EXPECT_EQ(ParseRetryAfter("", kStart), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", kStart), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", kStart), std::nullopt);
}

}  // namespace
}  // namespace qs::notification::delivery
