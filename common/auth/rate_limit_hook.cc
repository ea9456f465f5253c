#include "common/auth/rate_limit_hook.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace qs::auth {

absl::StatusOr<std::unique_ptr<RateLimitHook>> RateLimitHook::Create(
    const RateLimitSettings& settings, const std::vector<std::string>& methods,
    std::function<int64_t()> clock) {
  const std::set<std::string> hosted(methods.begin(), methods.end());
  std::unique_ptr<RateLimitHook> hook(new RateLimitHook(settings.max_buckets, std::move(clock)));
  auto add = [&hook](const std::string& path, const RateLimit& limit) {
    const int index = static_cast<int>(hook->limits_.size());
    hook->limits_.emplace(
        path, MethodLimit{index, limit,
                          absl::StrCat("rate limit: ", limit.rate_text, " for ", path.substr(1))});
  };
  for (const auto& [path, limit] : settings.per_method) {
    if (hosted.count(path) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("RATE_LIMITS: ", path.substr(1), " is not a method this server serves"));
    }
    add(path, limit);
  }
  if (settings.mutations) {
    for (const std::string& path : methods) {
      if (IsMutationMethod(path) && hook->limits_.count(path) == 0) add(path, *settings.mutations);
    }
  }
  return hook;
}

grpc::Status RateLimitHook::OnStart(absl::string_view method, grpc::ServerContext& context,
                                    base::CallContext& call) {
  if (call.user_id.empty()) return grpc::Status::OK;
  auto found = limits_.find(method);
  if (found == limits_.end()) return grpc::Status::OK;
  const MethodLimit& limited = found->second;
  const int64_t wait_ns = limiter_.Take(call.user_id, limited.index, limited.limit, clock_());
  if (wait_ns == 0) return grpc::Status::OK;
  // Rounded up: a caller that waits this long finds a token.
  context.AddTrailingMetadata(kRetryAfterMetadataKey,
                              absl::StrCat(std::max<int64_t>(1, (wait_ns + 999999) / 1000000)));
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, limited.refusal);
}

std::vector<std::string> RateLimitHook::LimitedMethods() const {
  std::vector<std::string> paths;
  for (const auto& [path, limit] : limits_) {
    paths.push_back(
        absl::StrCat(path.substr(1), "=", limit.limit.rate_text, ":", limit.limit.burst));
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace qs::auth
