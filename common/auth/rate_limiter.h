// Token buckets per (user, method), shared by every serving thread:
//
//   RateLimiter limiter(/*max_buckets=*/100000);
//   int64_t wait_ns = limiter.Take(user, method_index, limit, MonotonicNanos());
//   if (wait_ns > 0) ... refuse, retry after wait_ns ...
//
// Thread-safe and cheap: the buckets are split over kShards shards by a hash
// of (user, method), each with its own mutex held for one map lookup and a
// few arithmetic operations.
//
// Bounded memory: a shard holds at most max_buckets / kShards buckets. When
// a new bucket would pass that, the shard first forgets every bucket that
// has refilled (a full bucket is the same as none, so nothing is lost); if
// more than three quarters of the bound are still held, the least recently
// used buckets go too, down to three quarters (their users get a fresh burst: the price of the
// bound, paid only when that many users are active at once). Both are
// amortised over the inserts that filled the shard.
#ifndef QS_COMMON_AUTH_RATE_LIMITER_H_
#define QS_COMMON_AUTH_RATE_LIMITER_H_

#include <array>
#include <cstdint>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "common/auth/rate_limit_bucket.h"
#include "common/auth/rate_limit_settings.h"

namespace qs::auth {

class RateLimiter {
 public:
  static constexpr int kShards = 16;

  explicit RateLimiter(int64_t max_buckets);

  // Takes a token from the bucket of (`user`, `method`) — `method` any small
  // number naming the method, `limit` always the same for it and alive as
  // long as the limiter (the buckets keep a pointer to it). Returns 0
  // when admitted, else the nanoseconds until a token.
  int64_t Take(absl::string_view user, int method, const RateLimit& limit, int64_t now_ns);

  // Buckets held now (all shards).
  size_t size() const;

  // The shard of a key's hash: its top 4 bits. The shard's flat_hash_map
  // takes its control bytes from the low 7 bits and its slots from the bits
  // above them; a shard chosen by the low bits would leave its keys only 3
  // bits of control byte (more false matches per probe).
  static size_t ShardOf(size_t hash);

 private:
  struct Entry {
    RateLimitBucket bucket;
    const RateLimit* limit;
  };
  struct Shard {
    mutable std::mutex mutex;
    // Key: the method number's 4 bytes, then the user id.
    absl::flat_hash_map<std::string, Entry> buckets;
  };

  // Makes room for one more bucket in `shard` (its mutex held).
  void Evict(Shard& shard, int64_t now_ns);

  const size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

// Nanoseconds of the monotonic clock (immune to wall-clock steps).
int64_t MonotonicNanos();

}  // namespace qs::auth

#endif  // QS_COMMON_AUTH_RATE_LIMITER_H_
