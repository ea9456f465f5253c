#include "notification/preference_rules.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace qs::notification {

absl::Status ValidateCategory(absl::string_view field, absl::string_view category) {
  if (category.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  if (category.size() > kMaxCategoryBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxCategoryBytes, " bytes, got ", category.size()));
  }
  for (char c : category) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return absl::InvalidArgumentError(absl::StrCat(field, ": only [a-z0-9_.-]"));
  }
  return absl::OkStatus();
}

absl::Status ValidateSetPreferences(const v1::SetPreferencesRequest& request) {
  if (request.categories_size() > kMaxCategoryPreferences) {
    return absl::InvalidArgumentError(absl::StrCat("categories: at most ", kMaxCategoryPreferences,
                                                   ", got ", request.categories_size()));
  }
  std::set<std::string> seen;
  for (int i = 0; i < request.categories_size(); ++i) {
    const std::string& category = request.categories(i).category();
    const std::string field = absl::StrCat("categories[", i, "].category");
    if (absl::Status s = ValidateCategory(field, category); !s.ok()) return s;
    if (!seen.insert(category).second) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": \"", category, "\" given twice"));
    }
  }
  if (request.has_quiet_hours()) {
    const v1::QuietHours& quiet = request.quiet_hours();
    if (absl::Status s =
            ValidateQuietHoursMinutes("quiet_hours.", quiet.start_minute(), quiet.end_minute());
        !s.ok()) {
      return s;
    }
    if (absl::Status s = ValidateTimeZone("quiet_hours.time_zone", quiet.time_zone(), true);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

Channels ChannelsFor(const RecipientPreferences& preferences, bool critical) {
  if (critical) return Channels{};
  return Channels{!preferences.inbox_muted, !preferences.push_muted, preferences.quiet_hours};
}

}  // namespace qs::notification
