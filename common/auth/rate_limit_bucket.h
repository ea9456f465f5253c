// The token bucket of one (user, method): pure arithmetic on a time the
// caller gives (nanoseconds of a monotonic clock), so the refill is tested
// without waiting.
//
//   RateLimitBucket bucket = RateLimitBucket::Full(limit, now_ns);
//   int64_t wait_ns = bucket.Take(limit, now_ns);   // 0: admitted
//
// A bucket holds up to `burst` tokens and gains `per_second` a second; a
// call takes one. A full bucket is the same as a new one, which is what lets
// the limiter forget it (rate_limiter.h).
#ifndef QS_COMMON_AUTH_RATE_LIMIT_BUCKET_H_
#define QS_COMMON_AUTH_RATE_LIMIT_BUCKET_H_

#include <cstdint>

#include "common/auth/rate_limit_settings.h"

namespace qs::auth {

class RateLimitBucket {
 public:
  static RateLimitBucket Full(const RateLimit& limit, int64_t now_ns);

  // The longest wait Take returns, a day: the settings refuse rates below
  // 0.001/s (a wait of at most 1000 s); this bounds a RateLimit made in code.
  static constexpr double kMaxWaitNs = 86400e9;

  // Takes a token: 0 when there was one, else the nanoseconds until there
  // is one, 1..kMaxWaitNs (nothing taken). A clock that went back refills
  // nothing.
  int64_t Take(const RateLimit& limit, int64_t now_ns);

  // Whether the bucket has refilled to `burst` by `now_ns`.
  bool IsFull(const RateLimit& limit, int64_t now_ns) const;

  int64_t updated_ns() const { return updated_ns_; }

 private:
  RateLimitBucket(double tokens, int64_t updated_ns) : tokens_(tokens), updated_ns_(updated_ns) {}
  double TokensAt(const RateLimit& limit, int64_t now_ns) const;

  double tokens_;
  int64_t updated_ns_;
};

}  // namespace qs::auth

#endif  // QS_COMMON_AUTH_RATE_LIMIT_BUCKET_H_
