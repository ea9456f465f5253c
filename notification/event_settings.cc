#include "notification/event_settings.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace qs::notification {
namespace {

constexpr int kMaxMilestoneDays = 3650;
constexpr int kMaxMilestones = 32;

absl::Status BadMilestones(absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("STREAK_MILESTONES: ", why, " (comma-separated whole days 1..",
                   kMaxMilestoneDays, ", at most ", kMaxMilestones, ", e.g. \"7,30,100,365\")"));
}

}  // namespace

absl::StatusOr<EventNoticeSettings> LoadEventNoticeSettings(const config::EnvLookup& env) {
  EventNoticeSettings settings;
  const std::optional<std::string> value = env("STREAK_MILESTONES");
  if (!value.has_value()) return settings;
  settings.streak_milestones.clear();
  for (absl::string_view part : absl::StrSplit(*value, ',')) {
    part = absl::StripAsciiWhitespace(part);
    int days = 0;
    if (!absl::SimpleAtoi(part, &days) || days < 1 || days > kMaxMilestoneDays) {
      return BadMilestones(
          absl::StrCat("\"", absl::CHexEscape(part.substr(0, 16)), "\" is not a number of days"));
    }
    if (!settings.streak_milestones.insert(days).second) {
      return BadMilestones(absl::StrCat(days, " is given twice"));
    }
  }
  if (static_cast<int>(settings.streak_milestones.size()) > kMaxMilestones) {
    return BadMilestones("too many");
  }
  return settings;
}

}  // namespace qs::notification
