#include "notification/delivery/delivery_settings.h"

#include "gtest/gtest.h"
#include "notification/delivery/provider_factory.h"

namespace qs::notification::delivery {
namespace {

using config::MapEnv;

TEST(DeliverySettingsTest, DefaultsAreTheLogProvidersAndTheIssuesBounds) {
  absl::StatusOr<DeliverySettings> settings = LoadDeliverySettings(MapEnv({}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_FALSE(settings->fcm.enabled);
  EXPECT_FALSE(settings->apns.enabled);
  EXPECT_EQ(settings->retry.max_attempts, 5);
  EXPECT_EQ(settings->retry.max_elapsed, absl::Hours(1));
  EXPECT_EQ(settings->apns.production_url, "https://api.push.apple.com");
  EXPECT_EQ(settings->apns.sandbox_url, "https://api.sandbox.push.apple.com");
  EXPECT_EQ(settings->fcm.endpoint, "https://fcm.googleapis.com");

  absl::StatusOr<PushProviders> providers = BuildPushProviders(*settings);
  ASSERT_TRUE(providers.ok()) << providers.status();
  EXPECT_EQ(providers->For(PushPlatform::kFcm).Name(), "log");
  EXPECT_EQ(providers->For(PushPlatform::kApns).Name(), "log");
}

TEST(DeliverySettingsTest, ReadsEveryEndpointAndBound) {
  absl::StatusOr<DeliverySettings> settings = LoadDeliverySettings(MapEnv({
      {"PUSH_FCM_PROVIDER", "fcm"},
      {"FCM_SERVICE_ACCOUNT_FILE", "/etc/push/account.json"},
      {"FCM_TOKEN_URI", "https://127.0.0.1:1/token"},
      {"FCM_ENDPOINT", "https://127.0.0.1:2"},
      {"FCM_SENDS_PER_SECOND", "12.5"},
      {"APNS_SANDBOX_URL", "https://127.0.0.1:3"},
      {"APNS_TOKEN_REFRESH_MINUTES", "30"},
      {"PUSH_REQUEST_TIMEOUT_MS", "750"},
      {"PUSH_RETRY_MAX_ATTEMPTS", "3"},
  }));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_TRUE(settings->fcm.enabled);
  EXPECT_EQ(settings->fcm.token_uri, "https://127.0.0.1:1/token");
  EXPECT_EQ(settings->fcm.endpoint, "https://127.0.0.1:2");
  EXPECT_EQ(settings->fcm.throttle.sends_per_second, 12.5);
  EXPECT_EQ(settings->apns.sandbox_url, "https://127.0.0.1:3");
  EXPECT_EQ(settings->apns.token_refresh, absl::Minutes(30));
  EXPECT_EQ(settings->request_timeout, absl::Milliseconds(750));
  EXPECT_EQ(settings->retry.max_attempts, 3);
}

TEST(DeliverySettingsTest, ErrorsNameTheVariable) {
  auto error = [](std::map<std::string, std::string> env) {
    return std::string(LoadDeliverySettings(MapEnv(std::move(env))).status().message());
  };
  EXPECT_NE(error({{"PUSH_FCM_PROVIDER", "gcm"}}).find("PUSH_FCM_PROVIDER"), std::string::npos);
  EXPECT_NE(error({{"PUSH_FCM_PROVIDER", "fcm"}}).find("FCM_SERVICE_ACCOUNT_FILE"),
            std::string::npos);
  EXPECT_NE(error({{"PUSH_APNS_PROVIDER", "apns"}, {"APNS_KEY_FILE", "/k.p8"}}).find("APNS_KEY_ID"),
            std::string::npos);
  EXPECT_NE(error({{"APNS_TOKEN_REFRESH_MINUTES", "61"}}).find("APNS_TOKEN_REFRESH_MINUTES"),
            std::string::npos);
  EXPECT_NE(error({{"PUSH_RETRY_BASE_DELAY_MS", "5000"}, {"PUSH_RETRY_MAX_DELAY_MS", "10"}})
                .find("PUSH_RETRY_MAX_DELAY_MS"),
            std::string::npos);
}

TEST(DeliverySettingsTest, AnUnreadableCredentialFileStopsTheFactoryNamingTheVariable) {
  DeliverySettings settings = *LoadDeliverySettings(MapEnv({
      {"PUSH_APNS_PROVIDER", "apns"},
      {"APNS_KEY_FILE", "/nonexistent/AuthKey.p8"},
      {"APNS_KEY_ID", "K"},
      {"APNS_TEAM_ID", "T"},
      {"APNS_TOPIC", "com.example.game"},
  }));
  absl::StatusOr<PushProviders> providers = BuildPushProviders(settings);
  EXPECT_EQ(providers.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(providers.status().message().find("APNS_KEY_FILE"), std::string::npos);
}

}  // namespace
}  // namespace qs::notification::delivery
