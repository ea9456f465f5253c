// What a push-token registration may contain, and the token's only printable
// form.
#include "notification/token_rules.h"

#include <string>

#include "gtest/gtest.h"

namespace qs::notification {
namespace {

v1::RegisterPushTokenRequest Valid() {
  v1::RegisterPushTokenRequest request;
  request.set_device_id("device-1");
  request.set_app_id("com.example.game");
  request.set_platform(v1::PLATFORM_FCM);
  request.set_token("fcm-token:APA91bH");
  request.set_app_version("1.2.3");
  request.set_locale("en-GB");
  request.set_time_zone("Europe/London");
  return request;
}

// The field an INVALID_ARGUMENT names (the message's start).
std::string FieldOf(const absl::Status& status) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message().substr(0, status.message().find(':')));
}

TEST(TokenRulesTest, AcceptsEachPlatformsTokens) {
  EXPECT_TRUE(ValidateRegistration(Valid()).ok());
  v1::RegisterPushTokenRequest apns = Valid();
  apns.set_platform(v1::PLATFORM_APNS);
  apns.set_token(std::string(64, 'a'));
  apns.set_apns_sandbox(true);
  EXPECT_TRUE(ValidateRegistration(apns).ok());
  v1::RegisterPushTokenRequest web = Valid();
  web.set_platform(v1::PLATFORM_WEB_PUSH);
  web.set_token(R"({"endpoint":"https://push.example/x","keys":{"p256dh":"k","auth":"a"}})");
  EXPECT_TRUE(ValidateRegistration(web).ok());
  v1::RegisterPushTokenRequest minimal;
  minimal.set_device_id("d");
  minimal.set_app_id("a");
  minimal.set_platform(v1::PLATFORM_FCM);
  minimal.set_token("t");
  EXPECT_TRUE(ValidateRegistration(minimal).ok());
}

TEST(TokenRulesTest, NamesTheBadField) {
  struct Case {
    const char* expected_field;
    void (*mutate)(v1::RegisterPushTokenRequest&);
  };
  const Case cases[] = {
      {"device_id", [](v1::RegisterPushTokenRequest& r) { r.clear_device_id(); }},
      {"device_id", [](v1::RegisterPushTokenRequest& r) { r.set_device_id("has space"); }},
      {"device_id",
       [](v1::RegisterPushTokenRequest& r) { r.set_device_id(std::string(129, 'd')); }},
      {"app_id", [](v1::RegisterPushTokenRequest& r) { r.clear_app_id(); }},
      {"app_id", [](v1::RegisterPushTokenRequest& r) { r.set_app_id("com/example"); }},
      {"platform",
       [](v1::RegisterPushTokenRequest& r) { r.set_platform(v1::PLATFORM_UNSPECIFIED); }},
      {"platform",
       [](v1::RegisterPushTokenRequest& r) { r.set_platform(static_cast<v1::Platform>(9)); }},
      {"token", [](v1::RegisterPushTokenRequest& r) { r.clear_token(); }},
      {"token", [](v1::RegisterPushTokenRequest& r) { r.set_token(std::string(4097, 't')); }},
      {"token", [](v1::RegisterPushTokenRequest& r) { r.set_token("two words"); }},
      {"token",
       [](v1::RegisterPushTokenRequest& r) {
         r.set_platform(v1::PLATFORM_APNS);
         r.set_token(std::string(63, 'a'));
       }},
      {"token",
       [](v1::RegisterPushTokenRequest& r) {
         r.set_platform(v1::PLATFORM_APNS);
         r.set_token(std::string(64, 'g'));
       }},
      {"token",
       [](v1::RegisterPushTokenRequest& r) {
         r.set_platform(v1::PLATFORM_WEB_PUSH);
         r.set_token("https://push.example/x");
       }},
      {"app_version",
       [](v1::RegisterPushTokenRequest& r) { r.set_app_version(std::string(65, '1')); }},
      {"locale", [](v1::RegisterPushTokenRequest& r) { r.set_locale("en GB"); }},
      {"locale", [](v1::RegisterPushTokenRequest& r) { r.set_locale(std::string(36, 'e')); }},
      {"time_zone", [](v1::RegisterPushTokenRequest& r) { r.set_time_zone("Nowhere/Else"); }},
      {"apns_sandbox", [](v1::RegisterPushTokenRequest& r) { r.set_apns_sandbox(true); }},
  };
  for (const Case& c : cases) {
    v1::RegisterPushTokenRequest request = Valid();
    c.mutate(request);
    EXPECT_EQ(FieldOf(ValidateRegistration(request)), c.expected_field);
  }
}

TEST(TokenRulesTest, SuffixShowsAtMostSixAndNeverHalfOfAShortToken) {
  EXPECT_EQ(TokenSuffix("abcdefghijklmnop"), "klmnop");
  EXPECT_EQ(TokenSuffix("abcdefgh"), "efgh");
  EXPECT_EQ(TokenSuffix("ab"), "b");
  EXPECT_EQ(TokenSuffix("a"), "");
}

TEST(TokenRulesTest, PlatformCodesRoundTrip) {
  for (v1::Platform platform : {v1::PLATFORM_FCM, v1::PLATFORM_APNS, v1::PLATFORM_WEB_PUSH}) {
    EXPECT_EQ(PlatformCodes().FromCode(PlatformCodes().Code(platform)), platform);
  }
  EXPECT_EQ(PlatformCodes().Code(v1::PLATFORM_WEB_PUSH), "web_push");
  EXPECT_EQ(PlatformCodes().FromCode("gcm"), v1::PLATFORM_UNSPECIFIED);
}

}  // namespace
}  // namespace qs::notification
