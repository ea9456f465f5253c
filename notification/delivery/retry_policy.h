// When to try a delivery again after a transient failure: exponential
// back-off with full jitter, never before the provider's Retry-After, and a
// bound after which the delivery gives up (fails).
//
//   RetryPolicy policy(RetryPolicySettings{}, UniformRandomFromBitGen());
//   std::optional<absl::Duration> delay =
//       policy.NextDelay(attempts_made, first_attempt_at, now, retry_later.retry_after);
//   if (!delay) DeadLetter("gave up after " + ...); else RequeueAt(now + *delay);
//
// Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
// delay = uniform(0, min(max_delay, base_delay * 2^(attempt-1))), which
// spreads retries of a burst of failures evenly instead of in waves.
#ifndef QS_NOTIFICATION_DELIVERY_RETRY_POLICY_H_
#define QS_NOTIFICATION_DELIVERY_RETRY_POLICY_H_

#include <functional>
#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qs::notification::delivery {

struct RetryPolicySettings {
  // Attempts in all (the first send included); the delivery fails after the
  // last one.
  int max_attempts = 5;
  // No retry is scheduled later than this after the first attempt.
  absl::Duration max_elapsed = absl::Hours(1);
  absl::Duration base_delay = absl::Seconds(1);
  // The cap of the exponential part (a Retry-After may ask for more).
  absl::Duration max_delay = absl::Minutes(5);
};

// A uniform random number in [0, 1). Injected so tests can pin the jitter.
using UniformRandom = std::function<double()>;

// Thread-safe random source from absl::BitGen.
UniformRandom UniformRandomFromBitGen();

class RetryPolicy {
 public:
  RetryPolicy(RetryPolicySettings settings, UniformRandom random)
      : settings_(settings), random_(std::move(random)) {}

  // The wait before the next attempt, or nullopt to give up. `attempts_made`
  // counts the attempts so far (>= 1); `retry_after` is the provider's
  // Retry-After, which is honoured as a lower bound even past max_delay.
  std::optional<absl::Duration> NextDelay(int attempts_made, absl::Time first_attempt_at,
                                          absl::Time now,
                                          std::optional<absl::Duration> retry_after) const;

  // NextDelay without the attempt bound, for retries that are not the
  // delivery's attempts (provider-wide failures): nullopt only past
  // max_elapsed. `attempts_made` still sets the back-off.
  std::optional<absl::Duration> NextDelayWithinAge(int attempts_made, absl::Time first_attempt_at,
                                                   absl::Time now,
                                                   std::optional<absl::Duration> retry_after) const;

  // Whether a retry at `retry_at` is within max_elapsed of the first attempt.
  bool WithinAge(absl::Time first_attempt_at, absl::Time retry_at) const {
    return retry_at - first_attempt_at <= settings_.max_elapsed;
  }

  // The upper bound of the jitter range for the given attempt count.
  absl::Duration BackoffCeiling(int attempts_made) const;

  const RetryPolicySettings& settings() const { return settings_; }

 private:
  RetryPolicySettings settings_;
  UniformRandom random_;
};

// A Retry-After header value: delay-seconds ("120") or an HTTP-date
// ("Wed, 21 Oct 2026 07:28:00 GMT", relative to `now`; a past date is 0).
// nullopt for an empty or unreadable value.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_RETRY_POLICY_H_
