// The service's own settings: defaults, parsing, and errors naming the variable.
#include "notification/notification_settings.h"

#include "gtest/gtest.h"

namespace qs::notification {
namespace {

TEST(NotificationSettingsTest, DefaultsMatchTheIssue) {
  absl::StatusOr<NotificationSettings> settings = LoadNotificationSettings(config::MapEnv({}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->token_stale_after, absl::Hours(270 * 24));
  EXPECT_EQ(settings->retention, absl::Hours(90 * 24));
  EXPECT_EQ(settings->prune_interval, absl::Hours(1));
  EXPECT_TRUE(settings->critical_categories.empty());
}

TEST(NotificationSettingsTest, ReadsEveryVariable) {
  absl::StatusOr<NotificationSettings> settings = LoadNotificationSettings(
      config::MapEnv({{"TOKEN_STALE_DAYS", "30"},
                      {"RETENTION_DAYS", "0.5"},
                      {"NOTIFICATION_PRUNE_INTERVAL_MS", "250"},
                      {"NOTIFICATION_CRITICAL_CATEGORIES", "security, account ,"}}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->token_stale_after, absl::Hours(30 * 24));
  EXPECT_EQ(settings->retention, absl::Hours(12));
  EXPECT_EQ(settings->prune_interval, absl::Milliseconds(250));
  EXPECT_TRUE(settings->IsCritical("security"));
  EXPECT_TRUE(settings->IsCritical("account"));
  EXPECT_FALSE(settings->IsCritical("promo"));
}

TEST(NotificationSettingsTest, ErrorsNameTheVariable) {
  for (const auto& [name, value] :
       std::map<std::string, std::string>{{"TOKEN_STALE_DAYS", "0"},
                                          {"RETENTION_DAYS", "many"},
                                          {"NOTIFICATION_PRUNE_INTERVAL_MS", "5"},
                                          {"NOTIFICATION_CRITICAL_CATEGORIES", "Security"}}) {
    absl::StatusOr<NotificationSettings> settings =
        LoadNotificationSettings(config::MapEnv({{name, value}}));
    ASSERT_FALSE(settings.ok()) << name;
    EXPECT_NE(settings.status().message().find(name), std::string::npos)
        << settings.status().message();
  }
}

}  // namespace
}  // namespace qs::notification
