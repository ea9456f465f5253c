// The answer table (notification/delivery/answer_table.h), row by row, with
// the bodies FCM and APNs really send.
#include "notification/delivery/answer_table.h"

#include <variant>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace qs::notification::delivery {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
const AnswerTableSettings kSettings{absl::Seconds(60)};

// A google.rpc.Status body as FCM HTTP v1 answers it.
std::string FcmError(int code, absl::string_view status, absl::string_view error_code,
                     absl::string_view message = "", absl::string_view extra_detail = "") {
  std::string details;
  if (!error_code.empty()) {
    details = absl::StrCat(
        R"({"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": ")",
        error_code, R"("})");
  }
  if (!extra_detail.empty())
    details = absl::StrCat(details, details.empty() ? "" : ",", extra_detail);
  return absl::StrCat(R"({"error": {"code": )", code, R"(, "message": ")", message,
                      R"(", "status": ")", status, R"(", "details": [)", details, "]}}");
}

PushResult Fcm(int status, std::string body, std::map<std::string, std::string> headers = {}) {
  return ClassifyFcmAnswer(HttpAnswer{status, std::move(body), std::move(headers)}, kNow,
                           kSettings);
}

ApnsClassification Apns(int status, absl::string_view reason, bool checked = false,
                        std::map<std::string, std::string> headers = {}) {
  std::string body = reason.empty() ? "" : absl::StrCat(R"({"reason": ")", reason, R"("})");
  return ClassifyApnsAnswer(HttpAnswer{status, body, std::move(headers)}, checked, kNow, kSettings);
}

// ----- Delivered -----

TEST(AnswerTableTest, FcmSuccessIsDeliveredWithTheMessageName) {
  PushResult result = Fcm(200, R"({"name": "projects/demo/messages/0:1500415314455276%31bd1c96"})");
  ASSERT_TRUE(std::holds_alternative<Delivered>(result.action));
  EXPECT_EQ(std::get<Delivered>(result.action).provider_message_id,
            "projects/demo/messages/0:1500415314455276%31bd1c96");
  EXPECT_EQ(result.http_status, 200);
}

TEST(AnswerTableTest, ApnsSuccessIsDeliveredWithTheApnsId) {
  ApnsClassification result =
      Apns(200, "", false, {{"apns-id", "EEC3B3A4-6FE2-4C8E-9D67-3B1A2D9F0E11"}});
  ASSERT_TRUE(std::holds_alternative<Delivered>(result.result.action));
  EXPECT_EQ(std::get<Delivered>(result.result.action).provider_message_id,
            "EEC3B3A4-6FE2-4C8E-9D67-3B1A2D9F0E11");
  EXPECT_FALSE(result.check_other_environment);
}

// ----- Row 1: the token is gone -----

TEST(AnswerTableTest, FcmUnregisteredInvalidatesTheToken) {
  PushResult result =
      Fcm(404, FcmError(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found."));
  ASSERT_TRUE(std::holds_alternative<InvalidateToken>(result.action));
  EXPECT_EQ(result.provider_code, "UNREGISTERED");
  EXPECT_NE(std::get<InvalidateToken>(result.action).reason.find("UNREGISTERED"),
            std::string::npos);
}

TEST(AnswerTableTest, Apns410InvalidatesTheToken) {
  ApnsClassification result = Apns(410, "Unregistered");
  ASSERT_TRUE(std::holds_alternative<InvalidateToken>(result.result.action));
  EXPECT_EQ(std::get<InvalidateToken>(result.result.action).reason, "Unregistered");
  EXPECT_FALSE(result.check_other_environment);
}

TEST(AnswerTableTest, ApnsBadDeviceTokenFirstRulesOutTheOtherEnvironment) {
  ApnsClassification first = Apns(400, "BadDeviceToken", /*checked=*/false);
  EXPECT_TRUE(first.check_other_environment);
  ApnsClassification second = Apns(400, "BadDeviceToken", /*checked=*/true);
  EXPECT_FALSE(second.check_other_environment);
  ASSERT_TRUE(std::holds_alternative<InvalidateToken>(second.result.action));
  EXPECT_EQ(second.result.provider_code, "BadDeviceToken");
}

// ----- Row 2: INVALID_ARGUMENT naming the token -----

TEST(AnswerTableTest, FcmInvalidArgumentNamingTheTokenFieldInvalidatesIt) {
  std::string violation =
      R"({"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{"field": "message.token", "description": "Invalid registration token"}]})";
  PushResult result = Fcm(400, FcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                                        "Invalid value at 'message.token'", violation));
  EXPECT_TRUE(std::holds_alternative<InvalidateToken>(result.action));
}

TEST(AnswerTableTest, FcmInvalidArgumentAboutARegistrationTokenInvalidatesIt) {
  PushResult result =
      Fcm(400, FcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                        "The registration token is not a valid FCM registration token"));
  EXPECT_TRUE(std::holds_alternative<InvalidateToken>(result.action));
}

// ----- Row 3: payload errors -----

TEST(AnswerTableTest, FcmInvalidArgumentAboutThePayloadFailsAndKeepsTheToken) {
  std::string violation =
      R"({"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{"field": "message.android.ttl", "description": "Invalid duration"}]})";
  PushResult result = Fcm(400, FcmError(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                                        "Invalid value at 'message.android.ttl'", violation));
  ASSERT_TRUE(std::holds_alternative<FailPermanently>(result.action));
  EXPECT_NE(std::get<FailPermanently>(result.action).reason.find("message.android.ttl"),
            std::string::npos);
}

TEST(AnswerTableTest, ApnsPayloadErrorsFailAndKeepTheToken) {
  for (absl::string_view reason :
       {"PayloadEmpty", "BadCollapseId", "BadExpirationDate", "MissingTopic", "BadPriority"}) {
    ApnsClassification result = Apns(400, reason);
    ASSERT_TRUE(std::holds_alternative<FailPermanently>(result.result.action)) << reason;
    EXPECT_EQ(std::get<FailPermanently>(result.result.action).reason, reason);
    EXPECT_FALSE(result.check_other_environment);
  }
  EXPECT_TRUE(std::holds_alternative<FailPermanently>(Apns(413, "PayloadTooLarge").result.action));
}

// ----- Row 4: another sender's token -----

TEST(AnswerTableTest, FcmSenderIdMismatchStopsTheTokenForThisSender) {
  PushResult result =
      Fcm(403, FcmError(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch"));
  EXPECT_TRUE(std::holds_alternative<StopTokenForSender>(result.action));
  EXPECT_EQ(result.provider_code, "SENDER_ID_MISMATCH");
}

TEST(AnswerTableTest, ApnsDeviceTokenNotForTopicStopsTheTokenForThisSender) {
  EXPECT_TRUE(std::holds_alternative<StopTokenForSender>(
      Apns(400, "DeviceTokenNotForTopic").result.action));
}

// ----- Row 5: quota → the whole provider backs off -----

TEST(AnswerTableTest, FcmQuotaExceededThrottlesTheProviderForRetryAfter) {
  PushResult result =
      Fcm(429, FcmError(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"), {{"retry-after", "120"}});
  ASSERT_TRUE(std::holds_alternative<ThrottleProvider>(result.action));
  EXPECT_EQ(std::get<ThrottleProvider>(result.action).retry_after, absl::Seconds(120));
}

TEST(AnswerTableTest, FcmQuotaExceededWithoutRetryAfterUsesTheDefault) {
  PushResult result = Fcm(429, FcmError(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"));
  ASSERT_TRUE(std::holds_alternative<ThrottleProvider>(result.action));
  EXPECT_EQ(std::get<ThrottleProvider>(result.action).retry_after, absl::Seconds(60));
}

TEST(AnswerTableTest, Apns429ThrottlesTheProviderHonouringAnHttpDate) {
  ApnsClassification result =
      Apns(429, "TooManyRequests", false, {{"retry-after", "Fri, 15 Jan 2027 08:00:30 GMT"}});
  ASSERT_TRUE(std::holds_alternative<ThrottleProvider>(result.result.action));
  // kNow is 2027-01-15 08:00:00 UTC.
  EXPECT_EQ(std::get<ThrottleProvider>(result.result.action).retry_after, absl::Seconds(30));
}

// ----- Row 6: transient → retry with back-off -----

TEST(AnswerTableTest, FcmUnavailableAndInternalRetryHonouringRetryAfter) {
  PushResult unavailable =
      Fcm(503, FcmError(503, "UNAVAILABLE", "UNAVAILABLE"), {{"retry-after", "7"}});
  ASSERT_TRUE(std::holds_alternative<RetryLater>(unavailable.action));
  EXPECT_EQ(std::get<RetryLater>(unavailable.action).retry_after, absl::Seconds(7));
  EXPECT_FALSE(std::get<RetryLater>(unavailable.action).outcome_unknown);

  PushResult internal = Fcm(500, FcmError(500, "INTERNAL", "INTERNAL"));
  ASSERT_TRUE(std::holds_alternative<RetryLater>(internal.action));
  EXPECT_EQ(std::get<RetryLater>(internal.action).retry_after, std::nullopt);
}

TEST(AnswerTableTest, Apns500And503Retry) {
  EXPECT_TRUE(std::holds_alternative<RetryLater>(Apns(500, "InternalServerError").result.action));
  ApnsClassification unavailable = Apns(503, "ServiceUnavailable", false, {{"retry-after", "3"}});
  ASSERT_TRUE(std::holds_alternative<RetryLater>(unavailable.result.action));
  EXPECT_EQ(std::get<RetryLater>(unavailable.result.action).retry_after, absl::Seconds(3));
}

TEST(AnswerTableTest, AnUnreadable5xxBodyStillRetries) {
  PushResult result = Fcm(502, "<html>Bad Gateway</html>");
  ASSERT_TRUE(std::holds_alternative<RetryLater>(result.action));
  EXPECT_EQ(result.provider_code, "HTTP 502");
}

TEST(AnswerTableTest, ATimeoutRetriesWithAnUnknownOutcome) {
  PushResult result = ClassifyTransportFailure(absl::DeadlineExceededError("after 500 ms"));
  ASSERT_TRUE(std::holds_alternative<RetryLater>(result.action));
  EXPECT_TRUE(std::get<RetryLater>(result.action).outcome_unknown);
  EXPECT_EQ(result.provider_code, "timeout");
  EXPECT_EQ(result.http_status, 0);
}

TEST(AnswerTableTest, ARefusedConnectionRetriesKnowingNothingWasSent) {
  PushResult refused = ClassifyTransportFailure(absl::UnavailableError("connection refused"));
  ASSERT_TRUE(std::holds_alternative<RetryLater>(refused.action));
  EXPECT_FALSE(std::get<RetryLater>(refused.action).outcome_unknown);
  PushResult lost = ClassifyTransportFailure(absl::AbortedError("connection reset"));
  ASSERT_TRUE(std::holds_alternative<RetryLater>(lost.action));
  EXPECT_TRUE(std::get<RetryLater>(lost.action).outcome_unknown);
  EXPECT_EQ(lost.provider_code, "connection_error");
}

// ----- Row 7: auth → refresh the credential once -----

TEST(AnswerTableTest, FcmThirdPartyAuthErrorRefreshesTheCredential) {
  EXPECT_TRUE(std::holds_alternative<RefreshCredentialAndRetry>(
      Fcm(401, FcmError(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR")).action));
}

TEST(AnswerTableTest, Fcm401And403WithoutAnFcmCodeRefreshTheCredential) {
  EXPECT_TRUE(std::holds_alternative<RefreshCredentialAndRetry>(
      Fcm(401,
          FcmError(401, "UNAUTHENTICATED", "", "Request had invalid authentication credentials."))
          .action));
  EXPECT_TRUE(std::holds_alternative<RefreshCredentialAndRetry>(
      Fcm(403, FcmError(403, "PERMISSION_DENIED", "")).action));
}

TEST(AnswerTableTest, Apns403ExpiredProviderTokenRefreshesTheCredential) {
  for (absl::string_view reason : {"ExpiredProviderToken", "InvalidProviderToken"}) {
    ApnsClassification result = Apns(403, reason);
    EXPECT_TRUE(std::holds_alternative<RefreshCredentialAndRetry>(result.result.action)) << reason;
    EXPECT_EQ(result.result.provider_code, reason);
  }
}

// ----- Everything else -----

TEST(AnswerTableTest, AnUnknown4xxFailsWithoutRetry) {
  PushResult result = Fcm(404, FcmError(404, "NOT_FOUND", "", "Project not found"));
  EXPECT_TRUE(std::holds_alternative<FailPermanently>(result.action));
  EXPECT_TRUE(std::holds_alternative<FailPermanently>(Apns(404, "BadPath").result.action));
}

TEST(AnswerTableTest, ActionNamesAreStable) {
  EXPECT_EQ(ActionName(PushAction{ThrottleProvider{absl::Seconds(1), ""}}), "throttle_provider");
  EXPECT_EQ(ActionName(PushAction{InvalidateToken{""}}), "invalidate_token");
}

}  // namespace
}  // namespace qs::notification::delivery
