#include "notification/quiet_hours.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace qs::notification {

absl::Status ValidateTimeZone(absl::string_view field, absl::string_view name, bool allow_empty) {
  if (name.empty()) {
    if (allow_empty) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(field, ": required (an IANA time zone)"));
  }
  absl::TimeZone zone;
  if (name.size() > kMaxTimeZoneBytes || !absl::LoadTimeZone(name, &zone)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not an IANA time zone (e.g. \"Europe/Berlin\")"));
  }
  return absl::OkStatus();
}

absl::TimeZone ZoneOrUtc(absl::string_view name) {
  absl::TimeZone zone;
  if (name.empty() || !absl::LoadTimeZone(name, &zone)) return absl::UTCTimeZone();
  return zone;
}

absl::Status ValidateQuietHoursMinutes(absl::string_view field_prefix, int start_minute,
                                       int end_minute) {
  if (start_minute < 0 || start_minute >= kMinutesPerDay) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, "start_minute: must be in 0..1439, got ", start_minute));
  }
  if (end_minute < 0 || end_minute >= kMinutesPerDay) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, "end_minute: must be in 0..1439, got ", end_minute));
  }
  if (start_minute == end_minute) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, "end_minute: must differ from start_minute"));
  }
  return absl::OkStatus();
}

std::optional<absl::Time> QuietHoursEnd(const QuietHoursWindow& window, absl::TimeZone zone,
                                        absl::Time now) {
  const absl::CivilMinute local = absl::ToCivilMinute(now, zone);
  const int minute = local.hour() * 60 + local.minute();
  const bool spans_midnight = window.start_minute > window.end_minute;
  const bool inside = spans_midnight
                          ? (minute >= window.start_minute || minute < window.end_minute)
                          : (minute >= window.start_minute && minute < window.end_minute);
  if (!inside) return std::nullopt;
  // The end is today, unless the window spans midnight and we are before it.
  absl::CivilDay end_day = absl::CivilDay(local);
  if (minute >= window.end_minute) end_day += 1;
  const absl::CivilMinute end =
      absl::CivilMinute(end_day) + window.end_minute;  // minutes past that midnight
  // On a fall-back night an end such as 01:30 happens twice: during the
  // second pass the first is already past, and the window ends at the later.
  const absl::TimeZone::TimeInfo at = zone.At(end);
  if (at.kind == absl::TimeZone::TimeInfo::REPEATED) return at.pre > now ? at.pre : at.post;
  return absl::FromCivil(end, zone);
}

}  // namespace qs::notification
