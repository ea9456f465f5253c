// PRIVACY_ADMIN_TOKEN (common/privacy/privacy_settings.h): unset turns the
// API off, too short is a config error naming the variable, and the value
// is a secret.
#include "common/privacy/privacy_settings.h"

#include "gtest/gtest.h"

namespace qs::privacy {
namespace {

TEST(PrivacySettingsTest, UnsetMeansNoToken) {
  absl::StatusOr<PrivacySettings> settings = LoadPrivacySettings(config::MapEnv({}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_FALSE(settings->admin_token.has_value());
}

TEST(PrivacySettingsTest, ATokenOfSixteenBytesOrMoreIsKept) {
  absl::StatusOr<PrivacySettings> settings =
      LoadPrivacySettings(config::MapEnv({{"PRIVACY_ADMIN_TOKEN", "0123456789abcdef"}}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->admin_token, "0123456789abcdef");
}

TEST(PrivacySettingsTest, AShortTokenIsAnErrorThatNamesTheVariableButNotTheValue) {
  absl::StatusOr<PrivacySettings> settings =
      LoadPrivacySettings(config::MapEnv({{"PRIVACY_ADMIN_TOKEN", "short-secret"}}));
  ASSERT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(settings.status().message().find("PRIVACY_ADMIN_TOKEN"), absl::string_view::npos);
  EXPECT_EQ(settings.status().message().find("short-secret"), absl::string_view::npos);
}

TEST(PrivacySettingsTest, TheTokenIsASecretVariable) {
  EXPECT_TRUE(config::IsSecretVariable("PRIVACY_ADMIN_TOKEN"));
}

}  // namespace
}  // namespace qs::privacy
