#include "notification/delivery/provider_throttle.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace qs::notification::delivery {
namespace {

using Wait = ProviderThrottle::Wait;

struct FakeClock {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  ProviderThrottle::Clock AsClock() {
    return [this] { return now; };
  }
};

bool Granted(const std::variant<ProviderThrottle::Permit, Wait>& attempt) {
  return std::holds_alternative<ProviderThrottle::Permit>(attempt);
}

TEST(ProviderThrottleTest, RateAllowsABurstOfOneSecondThenRefills) {
  FakeClock clock;
  ProviderThrottle throttle({.sends_per_second = 10, .max_concurrency = 1000}, clock.AsClock());
  std::vector<ProviderThrottle::Permit> held;
  for (int i = 0; i < 10; ++i) {
    auto attempt = throttle.TryAcquire();
    ASSERT_TRUE(Granted(attempt)) << i;
    held.push_back(std::move(std::get<ProviderThrottle::Permit>(attempt)));
  }
  auto refused = throttle.TryAcquire();
  ASSERT_FALSE(Granted(refused));
  EXPECT_EQ(std::get<Wait>(refused).reason, Wait::Reason::kRate);
  EXPECT_EQ(std::get<Wait>(refused).at_least, absl::Milliseconds(100));

  clock.now += absl::Milliseconds(100);
  EXPECT_TRUE(Granted(throttle.TryAcquire()));
  EXPECT_FALSE(Granted(throttle.TryAcquire()));
  // Idle time refills up to the burst only.
  clock.now += absl::Hours(1);
  int granted = 0;
  while (Granted(throttle.TryAcquire())) ++granted;
  EXPECT_EQ(granted, 10);
}

TEST(ProviderThrottleTest, ConcurrencyIsCappedUntilAPermitIsReleased) {
  FakeClock clock;
  ProviderThrottle throttle({.sends_per_second = 1000, .max_concurrency = 2}, clock.AsClock());
  auto first = throttle.TryAcquire();
  auto second = throttle.TryAcquire();
  ASSERT_TRUE(Granted(first));
  ASSERT_TRUE(Granted(second));
  EXPECT_EQ(throttle.in_flight(), 2);
  auto third = throttle.TryAcquire();
  ASSERT_FALSE(Granted(third));
  EXPECT_EQ(std::get<Wait>(third).reason, Wait::Reason::kConcurrency);
  { auto released = std::move(std::get<ProviderThrottle::Permit>(first)); }
  EXPECT_EQ(throttle.in_flight(), 1);
  EXPECT_TRUE(Granted(throttle.TryAcquire()));
}

TEST(ProviderThrottleTest, BackOffStopsEveryPermitUntilItEnds) {
  FakeClock clock;
  ProviderThrottle throttle({.sends_per_second = 1000, .max_concurrency = 10}, clock.AsClock());
  throttle.BackOffUntil(clock.now + absl::Seconds(30));
  // An earlier deadline does not shorten the back-off.
  throttle.BackOffUntil(clock.now + absl::Seconds(5));
  auto refused = throttle.TryAcquire();
  ASSERT_FALSE(Granted(refused));
  EXPECT_EQ(std::get<Wait>(refused).reason, Wait::Reason::kBackOff);
  EXPECT_EQ(std::get<Wait>(refused).at_least, absl::Seconds(30));
  clock.now += absl::Seconds(29);
  EXPECT_FALSE(Granted(throttle.TryAcquire()));
  clock.now += absl::Seconds(1);
  EXPECT_TRUE(Granted(throttle.TryAcquire()));
}

TEST(ProviderThrottleTest, AcquireTimesOutDuringABackOff) {
  ProviderThrottle throttle({.sends_per_second = 1000, .max_concurrency = 10});
  throttle.BackOffUntil(absl::Now() + absl::Seconds(60));
  absl::Time start = absl::Now();
  EXPECT_FALSE(throttle.Acquire(absl::Milliseconds(100)).has_value());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(100));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(ProviderThrottleTest, ConcurrentSendersNeverExceedTheCap) {
  ProviderThrottle throttle({.sends_per_second = 100000, .max_concurrency = 3});
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        std::optional<ProviderThrottle::Permit> permit = throttle.Acquire(absl::Seconds(10));
        ASSERT_TRUE(permit.has_value());
        int now_inside = ++inside;
        int seen = most.load();
        while (now_inside > seen && !most.compare_exchange_weak(seen, now_inside)) {
        }
        absl::SleepFor(absl::Microseconds(300));
        --inside;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(most.load(), 3);
  EXPECT_EQ(throttle.in_flight(), 0);
}

TEST(ProviderThrottleTest, AcquireHoldsTheRateInRealTime) {
  ProviderThrottle throttle({.sends_per_second = 50, .max_concurrency = 100});
  absl::Time start = absl::Now();
  for (int i = 0; i < 75; ++i) ASSERT_TRUE(throttle.Acquire(absl::Seconds(5)).has_value());
  // 50 from the burst, 25 more at 50/s: at least 0.5 s.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(480));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

}  // namespace
}  // namespace qs::notification::delivery
