#include "common/auth/rate_limit_settings.h"

#include <cmath>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace qs::auth {

absl::StatusOr<RateLimit> ParseRateLimit(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  absl::string_view rate = parts[0];
  if (parts.size() != 2 || !absl::ConsumeSuffix(&rate, "/s")) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not <rate>/s:<burst> (e.g. 10/s:20)"));
  }
  RateLimit limit;
  // At least one call in 1000 s: a slower rate is a typo, and it keeps the
  // wait for a token (at most 1000 s) far inside int64 nanoseconds.
  if (!absl::SimpleAtod(rate, &limit.per_second) || !std::isfinite(limit.per_second) ||
      limit.per_second < kMinRatePerSecond || limit.per_second > kMaxRatePerSecond) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "': the rate must be a number in 0.001..1000000"));
  }
  if (!absl::SimpleAtoi(parts[1], &limit.burst) || limit.burst < 1 || limit.burst > 1000000) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "': the burst must be a whole number in 1..1000000"));
  }
  limit.rate_text = absl::StrCat(rate, "/s");
  return limit;
}

absl::StatusOr<RateLimitSettings> LoadRateLimitSettings(const config::EnvLookup& env) {
  RateLimitSettings settings;
  std::set<std::string> seen;
  for (absl::string_view entry :
       absl::StrSplit(config::ReadString(env, "RATE_LIMITS", ""), ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    const std::vector<absl::string_view> sides = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    const absl::string_view method = sides[0];
    const std::vector<absl::string_view> names = absl::StrSplit(method, '/');
    if (sides.size() != 2 || names.size() != 2 || names[0].empty() || names[1].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "RATE_LIMITS: '", entry, "' is not <package.Service>/<Method>=<rate>/s:<burst>"));
    }
    absl::StatusOr<RateLimit> limit = ParseRateLimit(sides[1]);
    if (!limit.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("RATE_LIMITS: ", method, ": ", limit.status().message()));
    }
    std::string path = absl::StrCat("/", method);
    if (IsNeverLimited(path)) {
      return absl::InvalidArgumentError(
          absl::StrCat("RATE_LIMITS: ", method,
                       ": operator (ops.v1.*) and gRPC (grpc.*) methods are never "
                       "limited"));
    }
    if (!seen.insert(path).second) {
      return absl::InvalidArgumentError(absl::StrCat("RATE_LIMITS: ", method, " is given twice"));
    }
    settings.per_method.emplace_back(std::move(path), *std::move(limit));
  }
  if (std::optional<std::string> mutations = env("RATE_LIMIT_MUTATIONS")) {
    absl::StatusOr<RateLimit> limit = ParseRateLimit(*mutations);
    if (!limit.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("RATE_LIMIT_MUTATIONS: ", limit.status().message()));
    }
    settings.mutations = *std::move(limit);
  }
  absl::StatusOr<int64_t> max_buckets =
      config::ReadInt(env, "RATE_LIMIT_MAX_BUCKETS", settings.max_buckets, 1000, kMaxBuckets);
  if (!max_buckets.ok()) return max_buckets.status();
  settings.max_buckets = *max_buckets;
  return settings;
}

bool IsNeverLimited(absl::string_view path) {
  return absl::StartsWith(path, "/ops.v1.") || absl::StartsWith(path, "/grpc.");
}

bool IsMutationMethod(absl::string_view path) {
  if (IsNeverLimited(path)) return false;
  const size_t slash = path.rfind('/');
  const absl::string_view name = slash == absl::string_view::npos ? path : path.substr(slash + 1);
  for (absl::string_view read : {"Get", "List", "Search", "Suggest", "Check"}) {
    if (absl::StartsWith(name, read)) return false;
  }
  return true;
}

}  // namespace qs::auth
