// Quiet hours, without I/O: a daily window of local time in which pushes are
// held, and the instant a push caught inside it may go out.
//
//   QuietHoursWindow window{22 * 60, 7 * 60};          // 22:00 → 07:00
//   absl::TimeZone zone;
//   if (!absl::LoadTimeZone("Europe/Berlin", &zone)) ...
//   std::optional<absl::Time> until = QuietHoursEnd(window, zone, absl::Now());
//   // nullopt: not quiet now; else the next 07:00 in Berlin.
//
// Local times are absl civil times in the zone, so daylight-saving changes
// are the zone database's: an end time that a spring-forward skips (02:30)
// is the change itself (03:00 summer time, when the clock jumps past it),
// one that a fall-back repeats is its first occurrence.
#ifndef QS_NOTIFICATION_QUIET_HOURS_H_
#define QS_NOTIFICATION_QUIET_HOURS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qs::notification {

inline constexpr int kMinutesPerDay = 24 * 60;
inline constexpr size_t kMaxTimeZoneBytes = 64;

struct QuietHoursWindow {
  // Minutes after local midnight, 0..1439, start != end. start > end spans
  // midnight.
  int start_minute = 0;
  int end_minute = 0;
  // IANA name; "" = the device's zone (resolved by the caller).
  std::string time_zone;
};

// OK for a zone the zone database knows (at most 64 bytes), or for "" when
// `allow_empty`; INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateTimeZone(absl::string_view field, absl::string_view name, bool allow_empty);

// The zone named `name`; UTC for "" or a name the zone database does not
// know (stored names were validated, so only a zone database change gets
// there).
absl::TimeZone ZoneOrUtc(absl::string_view name);

// INVALID_ARGUMENT naming `field` (e.g. "quiet_hours.start_minute") unless
// both minutes are in 0..1439 and differ.
absl::Status ValidateQuietHoursMinutes(absl::string_view field_prefix, int start_minute,
                                       int end_minute);

// When `now` is inside `window` in `zone`, the instant the window ends (the
// next local end_minute); nullopt when `now` is outside. The start minute is
// inside, the end minute is not.
std::optional<absl::Time> QuietHoursEnd(const QuietHoursWindow& window, absl::TimeZone zone,
                                        absl::Time now);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_QUIET_HOURS_H_
