#include "common/auth/rate_limit_bucket.h"

#include <algorithm>
#include <cmath>

namespace qs::auth {

RateLimitBucket RateLimitBucket::Full(const RateLimit& limit, int64_t now_ns) {
  return RateLimitBucket(static_cast<double>(limit.burst), now_ns);
}

double RateLimitBucket::TokensAt(const RateLimit& limit, int64_t now_ns) const {
  const double elapsed_seconds =
      static_cast<double>(std::max<int64_t>(0, now_ns - updated_ns_)) / 1e9;
  return std::min(static_cast<double>(limit.burst), tokens_ + elapsed_seconds * limit.per_second);
}

int64_t RateLimitBucket::Take(const RateLimit& limit, int64_t now_ns) {
  tokens_ = TokensAt(limit, now_ns);
  updated_ns_ = std::max(updated_ns_, now_ns);
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return 0;
  }
  // At least 1 ns: a refused call always has something to wait for. Clamped
  // before the cast (a double past int64's range is undefined behaviour):
  // the settings keep the rate >= 0.001/s, so the clamp is a guard only.
  const double wait_ns = std::ceil((1 - tokens_) / limit.per_second * 1e9);
  return static_cast<int64_t>(std::clamp(wait_ns, 1.0, kMaxWaitNs));
}

bool RateLimitBucket::IsFull(const RateLimit& limit, int64_t now_ns) const {
  return TokensAt(limit, now_ns) >= static_cast<double>(limit.burst);
}

}  // namespace qs::auth
