#include "social/friend_settings.h"

namespace qs::social {

absl::StatusOr<FriendSettings> LoadFriendSettings(const config::EnvLookup& env) {
  FriendSettings settings;
  absl::StatusOr<int64_t> limit =
      config::ReadInt(env, "FRIEND_LIMIT", settings.friend_limit, 1, 1'000'000);
  if (!limit.ok()) return limit.status();
  // At least 0.36 s, at most 10 years.
  absl::StatusOr<double> ttl_hours = config::ReadDecimal(
      env, "FRIEND_REQUEST_TTL_HOURS", absl::ToDoubleHours(settings.request_ttl), 0.0001, 87'600);
  if (!ttl_hours.ok()) return ttl_hours.status();
  absl::StatusOr<absl::Duration> sweep = config::ReadMillis(
      env, "FRIEND_EXPIRY_SWEEP_MS", absl::ToInt64Milliseconds(settings.expiry_sweep_interval), 100,
      86'400'000);
  if (!sweep.ok()) return sweep.status();
  settings.friend_limit = *limit;
  settings.request_ttl = absl::Hours(*ttl_hours);
  settings.expiry_sweep_interval = *sweep;
  return settings;
}

}  // namespace qs::social
