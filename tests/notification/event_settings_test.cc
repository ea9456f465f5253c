#include "notification/event_settings.h"

#include <set>

#include "gtest/gtest.h"

namespace qs::notification {
namespace {

TEST(EventSettingsTest, DefaultMilestones) {
  absl::StatusOr<EventNoticeSettings> settings = LoadEventNoticeSettings(config::MapEnv({}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->streak_milestones, (std::set<int>{7, 30, 100, 365}));
}

TEST(EventSettingsTest, MilestonesFromTheEnvironment) {
  absl::StatusOr<EventNoticeSettings> settings =
      LoadEventNoticeSettings(config::MapEnv({{"STREAK_MILESTONES", " 3, 10,1000 "}}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->streak_milestones, (std::set<int>{3, 10, 1000}));
}

TEST(EventSettingsTest, BadMilestonesNameTheVariable) {
  for (const char* bad : {"7,,30", "0", "3651", "seven", "7,7", "-1", "7.5"}) {
    absl::StatusOr<EventNoticeSettings> settings =
        LoadEventNoticeSettings(config::MapEnv({{"STREAK_MILESTONES", bad}}));
    EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(settings.status().message().rfind("STREAK_MILESTONES: ", 0), 0u) << settings.status();
  }
}

}  // namespace
}  // namespace qs::notification
