#include "notification/notification_settings.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "notification/preference_rules.h"

namespace qs::notification {

absl::StatusOr<NotificationSettings> LoadNotificationSettings(const config::EnvLookup& env) {
  NotificationSettings settings;
  // Decimals so that a test may use seconds; at most 10 years.
  absl::StatusOr<double> stale_days = config::ReadDecimal(
      env, "TOKEN_STALE_DAYS", absl::ToDoubleHours(settings.token_stale_after) / 24, 0.00001, 3650);
  if (!stale_days.ok()) return stale_days.status();
  absl::StatusOr<double> retention_days = config::ReadDecimal(
      env, "RETENTION_DAYS", absl::ToDoubleHours(settings.retention) / 24, 0.00001, 3650);
  if (!retention_days.ok()) return retention_days.status();
  absl::StatusOr<absl::Duration> interval =
      config::ReadMillis(env, "NOTIFICATION_PRUNE_INTERVAL_MS",
                         absl::ToInt64Milliseconds(settings.prune_interval), 100, 86'400'000);
  if (!interval.ok()) return interval.status();
  const std::string critical = config::ReadString(env, "NOTIFICATION_CRITICAL_CATEGORIES", "");
  for (absl::string_view part : absl::StrSplit(critical, ',', absl::SkipWhitespace())) {
    const std::string category(absl::StripAsciiWhitespace(part));
    if (absl::Status s = ValidateCategory("NOTIFICATION_CRITICAL_CATEGORIES", category); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          s.message(), " (a comma-separated list of categories, got \"", category, "\")"));
    }
    settings.critical_categories.insert(category);
  }
  settings.token_stale_after = absl::Hours(*stale_days * 24);
  settings.retention = absl::Hours(*retention_days * 24);
  settings.prune_interval = *interval;
  return settings;
}

}  // namespace qs::notification
