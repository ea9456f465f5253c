#include "common/auth/rate_limiter.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "absl/hash/hash.h"

namespace qs::auth {

RateLimiter::RateLimiter(int64_t max_buckets)
    : max_per_shard_(std::max<size_t>(4, static_cast<size_t>(max_buckets) / kShards)) {}

int64_t RateLimiter::Take(absl::string_view user, int method, const RateLimit& limit,
                          int64_t now_ns) {
  // A small stack key: no allocation for a bucket that already exists.
  char key_bytes[64];
  std::string heap_key;
  absl::string_view key;
  if (user.size() + sizeof(method) <= sizeof(key_bytes)) {
    std::memcpy(key_bytes, &method, sizeof(method));
    std::memcpy(key_bytes + sizeof(method), user.data(), user.size());
    key = absl::string_view(key_bytes, sizeof(method) + user.size());
  } else {
    heap_key.assign(reinterpret_cast<const char*>(&method), sizeof(method));
    heap_key.append(user.data(), user.size());
    key = heap_key;
  }
  Shard& shard = shards_[ShardOf(absl::HashOf(key))];
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto found = shard.buckets.find(key);
  if (found == shard.buckets.end()) {
    if (shard.buckets.size() >= max_per_shard_) Evict(shard, now_ns);
    found =
        shard.buckets.emplace(std::string(key), Entry{RateLimitBucket::Full(limit, now_ns), &limit})
            .first;
  }
  return found->second.bucket.Take(limit, now_ns);
}

void RateLimiter::Evict(Shard& shard, int64_t now_ns) {
  absl::erase_if(shard.buckets, [now_ns](const auto& item) {
    return item.second.bucket.IsFull(*item.second.limit, now_ns);
  });
  const size_t target = max_per_shard_ * 3 / 4;
  if (shard.buckets.size() <= target) return;
  // Too many users active at once: forget the least recently used.
  std::vector<int64_t> updated;
  updated.reserve(shard.buckets.size());
  for (const auto& item : shard.buckets) updated.push_back(item.second.bucket.updated_ns());
  const size_t drop = shard.buckets.size() - target;
  std::nth_element(updated.begin(), updated.begin() + (drop - 1), updated.end());
  const int64_t cutoff = updated[drop - 1];
  size_t dropped = 0;
  absl::erase_if(shard.buckets, [&](const auto& item) {
    if (dropped >= drop || item.second.bucket.updated_ns() > cutoff) return false;
    ++dropped;
    return true;
  });
}

size_t RateLimiter::ShardOf(size_t hash) {
  static_assert(kShards == 16 && sizeof(size_t) == 8, "the shard is the hash's top 4 bits");
  return hash >> 60;
}

size_t RateLimiter::size() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mutex);
    total += shard.buckets.size();
  }
  return total;
}

int64_t MonotonicNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace qs::auth
