// Per-user rate limits of the configured methods (rate_limit_settings.h), a
// grpc_util::CallHooks registered right after the auth hook, so the user is
// known:
//
//   QS_ASSIGN_OR_RETURN(std::unique_ptr<RateLimitHook> limits,
//                       RateLimitHook::Create(settings, table.paths()));
//
// A call over its (user, method) bucket is answered RESOURCE_EXHAUSTED
// "rate limit: 10/s for quest.v1.AttemptService/SubmitAttempt" with trailing
// metadata `retry-after-ms` (whole milliseconds until the bucket has a token
// again, at least 1) before anything of it runs. A call without a user
// (unauthenticated, or refused later for that) is not limited per user.
#ifndef QS_COMMON_AUTH_RATE_LIMIT_HOOK_H_
#define QS_COMMON_AUTH_RATE_LIMIT_HOOK_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/auth/rate_limit_settings.h"
#include "common/auth/rate_limiter.h"
#include "common/grpc/call_hooks.h"

namespace qs::auth {

inline constexpr char kRetryAfterMetadataKey[] = "retry-after-ms";

class RateLimitHook final : public grpc_util::CallHooks {
 public:
  // The limit of each of `methods` (the server's full paths): its own from
  // RATE_LIMITS, else RATE_LIMIT_MUTATIONS' for a mutation. INVALID_ARGUMENT
  // naming RATE_LIMITS and the entry for a method the server does not have.
  // `clock`: monotonic nanoseconds.
  static absl::StatusOr<std::unique_ptr<RateLimitHook>> Create(
      const RateLimitSettings& settings, const std::vector<std::string>& methods,
      std::function<int64_t()> clock = MonotonicNanos);

  grpc::Status OnStart(absl::string_view method, grpc::ServerContext& context,
                       base::CallContext& call) override;

  // Every limit, "quest.v1.AttemptService/SubmitAttempt=10/s:20", sorted,
  // for the start-up log.
  std::vector<std::string> LimitedMethods() const;

  const RateLimiter& limiter() const { return limiter_; }

 private:
  struct MethodLimit {
    int index;
    RateLimit limit;
    std::string refusal;  // "rate limit: 10/s for quest.v1.AttemptService/SubmitAttempt"
  };

  RateLimitHook(int64_t max_buckets, std::function<int64_t()> clock)
      : limiter_(max_buckets), clock_(std::move(clock)) {}

  // Built by Create, then only read: entries do not move.
  absl::flat_hash_map<std::string, MethodLimit> limits_;
  RateLimiter limiter_;
  std::function<int64_t()> clock_;
};

}  // namespace qs::auth

#endif  // QS_COMMON_AUTH_RATE_LIMIT_HOOK_H_
