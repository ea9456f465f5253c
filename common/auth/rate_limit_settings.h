// Per-user rate limits of mutations, read from the environment at start-up:
//
//   RATE_LIMITS="quest.v1.AttemptService/SubmitAttempt=10/s:20,social.v1.ChatService/SendMessage=5/s:10"
//   RATE_LIMIT_MUTATIONS="20/s:40"
//
// | variable              | default | meaning                                   |
// |-----------------------|---------|-------------------------------------------|
// | RATE_LIMITS           | (off)   | comma-separated `<service>/<method>=      |
// |                       |         | <rate>/s:<burst>`: a token bucket per     |
// |                       |         | (user, method); rate 0.001..1000000       |
// |                       |         | (decimals, e.g. 0.5/s), burst 1..1000000; |
// |                       |         | not ops.v1.* or grpc.* methods            |
// | RATE_LIMIT_MUTATIONS  | (off)   | `<rate>/s:<burst>` for every mutation not |
// |                       |         | named in RATE_LIMITS                      |
// | RATE_LIMIT_MAX_BUCKETS| 100000  | buckets kept in memory; 1000..1000000     |
// |                       |         | (eviction scans a shard under its lock)   |
//
// A method is a mutation unless its name starts with Get, List, Search,
// Suggest or Check, or it belongs to an operator or gRPC service (ops.v1.*,
// grpc.*): the APIs of this repository name their reads that way
// (IsMutationMethod). Off by default: the right numbers depend on the game
// (how fast a player may answer, chat), so a deployment sets them (the
// production examples do). Every error names the variable and the entry.
#ifndef QS_COMMON_AUTH_RATE_LIMIT_SETTINGS_H_
#define QS_COMMON_AUTH_RATE_LIMIT_SETTINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/config/env.h"

namespace qs::auth {

inline constexpr double kMinRatePerSecond = 0.001;
inline constexpr double kMaxRatePerSecond = 1e6;
// Eviction scans a whole shard (max_buckets / 16) under its mutex on a
// serving thread: the bound keeps that pause short.
inline constexpr int64_t kMaxBuckets = 1000000;

struct RateLimit {
  double per_second = 0;  // refill rate, kMinRatePerSecond..kMaxRatePerSecond
  int64_t burst = 0;      // bucket size, >= 1
  std::string rate_text;  // "10/s", as configured, for messages
};

struct RateLimitSettings {
  // Full paths ("/quest.v1.AttemptService/SubmitAttempt") and their limits.
  std::vector<std::pair<std::string, RateLimit>> per_method;
  std::optional<RateLimit> mutations;
  int64_t max_buckets = 100000;

  bool enabled() const { return !per_method.empty() || mutations.has_value(); }
};

// "10/s:20" → 10 per second, burst 20. INVALID_ARGUMENT saying what is wrong.
absl::StatusOr<RateLimit> ParseRateLimit(absl::string_view text);

// INVALID_ARGUMENT naming the variable and the bad entry. Whether a method
// exists is checked later, against the server's methods (rate_limit_hook.h).
absl::StatusOr<RateLimitSettings> LoadRateLimitSettings(const config::EnvLookup& env);

// `path` is "/<service>/<method>" (see above).
bool IsMutationMethod(absl::string_view path);

// Operator (ops.v1.*) and gRPC (grpc.*) methods: no limit applies to them,
// and naming one in RATE_LIMITS is refused.
bool IsNeverLimited(absl::string_view path);

}  // namespace qs::auth

#endif  // QS_COMMON_AUTH_RATE_LIMIT_SETTINGS_H_
