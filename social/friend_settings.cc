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
  absl::StatusOr<int64_t> list_size =
      config::ReadInt(env, "FRIEND_SUGGESTION_LIST_SIZE", settings.suggestion_list_size, 1, 1000);
  if (!list_size.ok()) return list_size.status();
  absl::StatusOr<absl::Duration> refresh = config::ReadMillis(
      env, "FRIEND_SUGGESTION_REFRESH_MS",
      absl::ToInt64Milliseconds(settings.suggestion_refresh_interval), 100, 86'400'000);
  if (!refresh.ok()) return refresh.status();
  absl::StatusOr<double> max_age_hours =
      config::ReadDecimal(env, "FRIEND_SUGGESTION_MAX_AGE_HOURS",
                          absl::ToDoubleHours(settings.suggestion_max_age), 0.0001, 8760);
  if (!max_age_hours.ok()) return max_age_hours.status();
  settings.friend_limit = *limit;
  settings.request_ttl = absl::Hours(*ttl_hours);
  settings.expiry_sweep_interval = *sweep;
  settings.suggestion_list_size = static_cast<int>(*list_size);
  settings.suggestion_refresh_interval = *refresh;
  settings.suggestion_max_age = absl::Hours(*max_age_hours);
  return settings;
}

}  // namespace qs::social
