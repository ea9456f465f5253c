#include "notification/delivery/retry_policy.h"

#include <algorithm>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"

namespace qs::notification::delivery {

UniformRandom UniformRandomFromBitGen() {
  struct Source {
    absl::Mutex mutex;
    absl::BitGen gen ABSL_GUARDED_BY(mutex);
  };
  auto source = std::make_shared<Source>();
  return [source]() {
    absl::MutexLock lock(&source->mutex);
    return absl::Uniform<double>(source->gen, 0.0, 1.0);
  };
}

absl::Duration RetryPolicy::BackoffCeiling(int attempts_made) const {
  // Doubling past 2^30 overflows nothing useful: the cap is reached long before.
  int doublings = std::clamp(attempts_made - 1, 0, 30);
  absl::Duration ceiling = settings_.base_delay * (int64_t{1} << doublings);
  return std::min(ceiling, settings_.max_delay);
}

std::optional<absl::Duration> RetryPolicy::NextDelay(
    int attempts_made, absl::Time first_attempt_at, absl::Time now,
    std::optional<absl::Duration> retry_after) const {
  if (attempts_made >= settings_.max_attempts) return std::nullopt;
  return NextDelayWithinAge(attempts_made, first_attempt_at, now, retry_after);
}

std::optional<absl::Duration> RetryPolicy::NextDelayWithinAge(
    int attempts_made, absl::Time first_attempt_at, absl::Time now,
    std::optional<absl::Duration> retry_after) const {
  double fraction = std::clamp(random_(), 0.0, 1.0);
  absl::Duration delay = BackoffCeiling(attempts_made) * fraction;
  if (retry_after && *retry_after > delay) delay = *retry_after;
  if (!WithinAge(first_attempt_at, now + delay)) return std::nullopt;
  return delay;
}

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  // IMF-fixdate, the only form RFC 9110 lets senders generate.
  absl::Time when;
  std::string error;
  if (!absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", value, absl::UTCTimeZone(), &when, &error)) {
    return std::nullopt;
  }
  return std::max(when - now, absl::ZeroDuration());
}

}  // namespace qs::notification::delivery
