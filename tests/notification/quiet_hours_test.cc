// Quiet hours as pure rules: inside/outside a window, windows across
// midnight, daylight-saving changes, zone validation.
#include "notification/quiet_hours.h"

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace qs::notification {
namespace {

absl::TimeZone Zone(const char* name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

absl::Time Utc(int y, int mo, int d, int h, int mi) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

const QuietHoursWindow kNight{22 * 60, 7 * 60, ""};   // 22:00 → 07:00
const QuietHoursWindow kLunch{12 * 60, 13 * 60, ""};  // 12:00 → 13:00

TEST(QuietHoursTest, DaytimeWindowHoldsOnlyInsideIt) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  EXPECT_EQ(QuietHoursEnd(kLunch, utc, Utc(2026, 6, 1, 11, 59)), std::nullopt);
  // The start minute is inside, the end minute is not.
  EXPECT_EQ(QuietHoursEnd(kLunch, utc, Utc(2026, 6, 1, 12, 0)), Utc(2026, 6, 1, 13, 0));
  EXPECT_EQ(QuietHoursEnd(kLunch, utc, Utc(2026, 6, 1, 12, 59)), Utc(2026, 6, 1, 13, 0));
  EXPECT_EQ(QuietHoursEnd(kLunch, utc, Utc(2026, 6, 1, 13, 0)), std::nullopt);
}

TEST(QuietHoursTest, WindowAcrossMidnightEndsNextMorning) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  // Evening: the end is tomorrow's 07:00.
  EXPECT_EQ(QuietHoursEnd(kNight, utc, Utc(2026, 6, 1, 22, 0)), Utc(2026, 6, 2, 7, 0));
  EXPECT_EQ(QuietHoursEnd(kNight, utc, Utc(2026, 6, 1, 23, 59)), Utc(2026, 6, 2, 7, 0));
  // After midnight: the same day's 07:00.
  EXPECT_EQ(QuietHoursEnd(kNight, utc, Utc(2026, 6, 2, 0, 0)), Utc(2026, 6, 2, 7, 0));
  EXPECT_EQ(QuietHoursEnd(kNight, utc, Utc(2026, 6, 2, 6, 59)), Utc(2026, 6, 2, 7, 0));
  // Daytime is outside; so is the last day of a month crossing into the next.
  EXPECT_EQ(QuietHoursEnd(kNight, utc, Utc(2026, 6, 2, 7, 0)), std::nullopt);
  EXPECT_EQ(QuietHoursEnd(kNight, utc, Utc(2026, 6, 2, 21, 59)), std::nullopt);
  EXPECT_EQ(QuietHoursEnd(kNight, utc, Utc(2026, 12, 31, 23, 0)), Utc(2027, 1, 1, 7, 0));
}

TEST(QuietHoursTest, LocalTimeOfTheZoneDecides) {
  // 21:30 UTC is 06:30 the next day in Tokyo (+9): inside, ending at 07:00
  // Tokyo = 22:00 UTC.
  EXPECT_EQ(QuietHoursEnd(kNight, Zone("Asia/Tokyo"), Utc(2026, 6, 1, 21, 30)),
            Utc(2026, 6, 1, 22, 0));
  // 12:00 UTC is 17:30 in Kolkata (+5:30): outside, though inside in UTC
  // for kLunch.
  EXPECT_EQ(QuietHoursEnd(kLunch, Zone("Asia/Kolkata"), Utc(2026, 6, 1, 12, 0)), std::nullopt);
  EXPECT_EQ(QuietHoursEnd(kLunch, Zone("Asia/Kolkata"), Utc(2026, 6, 1, 6, 45)),
            Utc(2026, 6, 1, 7, 30));
}

TEST(QuietHoursTest, SpringForwardNightEndsAtLocalSevenInSummerTime) {
  // New York, 2026-03-08 02:00 EST → 03:00 EDT. 23:00 EST on the 7th is
  // 04:00 UTC; the night ends at 07:00 EDT = 11:00 UTC (not 12:00).
  const absl::TimeZone new_york = Zone("America/New_York");
  EXPECT_EQ(QuietHoursEnd(kNight, new_york, Utc(2026, 3, 8, 4, 0)), Utc(2026, 3, 8, 11, 0));
  // Inside the skipped hour's neighbourhood: 03:30 EDT = 07:30 UTC.
  EXPECT_EQ(QuietHoursEnd(kNight, new_york, Utc(2026, 3, 8, 7, 30)), Utc(2026, 3, 8, 11, 0));
}

TEST(QuietHoursTest, FallBackNightEndsAtLocalSevenInStandardTime) {
  // New York, 2026-11-01 02:00 EDT → 01:00 EST. 23:00 EDT on the 31st is
  // 03:00 UTC; the night (one hour longer) ends at 07:00 EST = 12:00 UTC.
  const absl::TimeZone new_york = Zone("America/New_York");
  EXPECT_EQ(QuietHoursEnd(kNight, new_york, Utc(2026, 11, 1, 3, 0)), Utc(2026, 11, 1, 12, 0));
  // Both 01:30s (EDT 05:30 UTC and EST 06:30 UTC) are inside.
  EXPECT_EQ(QuietHoursEnd(kNight, new_york, Utc(2026, 11, 1, 5, 30)), Utc(2026, 11, 1, 12, 0));
  EXPECT_EQ(QuietHoursEnd(kNight, new_york, Utc(2026, 11, 1, 6, 30)), Utc(2026, 11, 1, 12, 0));
}

TEST(QuietHoursTest, EndInTheRepeatedHourIsItsNextOccurrence) {
  // 00:00 → 01:30 on the fall-back night: 01:30 happens at 05:30 UTC (EDT)
  // and again at 06:30 UTC (EST).
  const QuietHoursWindow window{0, 90, ""};
  const absl::TimeZone new_york = Zone("America/New_York");
  // During the first pass (01:15 EDT) the window ends at the first 01:30.
  EXPECT_EQ(QuietHoursEnd(window, new_york, Utc(2026, 11, 1, 5, 15)), Utc(2026, 11, 1, 5, 30));
  // During the second pass (01:15 EST) the first is past: the second.
  EXPECT_EQ(QuietHoursEnd(window, new_york, Utc(2026, 11, 1, 6, 15)), Utc(2026, 11, 1, 6, 30));
}

TEST(QuietHoursTest, EndInTheSkippedHourIsTheChangeItself) {
  // 01:00 → 02:30 on the spring-forward night: 02:30 does not exist; the
  // window ends when the clock jumps past it, 03:00 EDT = 07:00 UTC.
  const QuietHoursWindow window{60, 150, ""};
  const absl::TimeZone new_york = Zone("America/New_York");
  EXPECT_EQ(QuietHoursEnd(window, new_york, Utc(2026, 3, 8, 6, 30)), Utc(2026, 3, 8, 7, 0));
}

TEST(QuietHoursTest, ValidatesZonesAndMinutes) {
  EXPECT_TRUE(ValidateTimeZone("time_zone", "Europe/Berlin", false).ok());
  EXPECT_TRUE(ValidateTimeZone("time_zone", "", true).ok());
  absl::Status missing = ValidateTimeZone("time_zone", "", false);
  EXPECT_EQ(missing.code(), absl::StatusCode::kInvalidArgument);
  absl::Status unknown = ValidateTimeZone("quiet_hours.time_zone", "Mars/Olympus_Mons", true);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.message().rfind("quiet_hours.time_zone:", 0), 0u) << unknown.message();
  EXPECT_FALSE(ValidateTimeZone("time_zone", "../../etc/passwd", true).ok());
  EXPECT_FALSE(ValidateTimeZone("time_zone", std::string(65, 'A'), true).ok());

  EXPECT_TRUE(ValidateQuietHoursMinutes("q.", 1320, 420).ok());
  EXPECT_NE(ValidateQuietHoursMinutes("q.", -1, 420).message().find("q.start_minute"),
            std::string::npos);
  EXPECT_NE(ValidateQuietHoursMinutes("q.", 0, 1440).message().find("q.end_minute"),
            std::string::npos);
  EXPECT_NE(ValidateQuietHoursMinutes("q.", 30, 30).message().find("q.end_minute"),
            std::string::npos);
  EXPECT_EQ(ZoneOrUtc("").name(), "UTC");
  EXPECT_EQ(ZoneOrUtc("Asia/Tokyo").name(), "Asia/Tokyo");
}

}  // namespace
}  // namespace qs::notification
