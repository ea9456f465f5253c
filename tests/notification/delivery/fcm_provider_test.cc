// The FCM HTTP v1 provider end to end: real libcurl over TLS to a local fake
// FCM and OAuth endpoint (fake_fcm.py), which verifies the JWT assertion with
// the service account's public key and accepts only bearer tokens it issued.
#include "notification/delivery/fcm_provider.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "gtest/gtest.h"
#include "notification/delivery/json_object.h"
#include "tests/notification/delivery/fake_push_server.h"
#include "tests/notification/delivery/test_keys.h"

namespace qs::notification::delivery {
namespace {

using google::protobuf::Struct;
using testing::FakePushServer;

const google::protobuf::Struct& Object(const Struct& parent, const std::string& key) {
  static const Struct kEmpty;
  const Struct* child = ObjectField(parent, key);
  return child == nullptr ? kEmpty : *child;
}

class FcmProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fake_ = FakePushServer::Start(std::getenv("FAKE_FCM"), {}).release();
  }
  static void TearDownTestSuite() { delete fake_; }

  void SetUp() override {
    fake_->Reset();
    fake_->Configure(R"({"expires_in": 3600, "revoke_tokens": false})");
  }

  // A provider with fresh caches (so counters start at zero).
  std::unique_ptr<FcmProvider> MakeProvider(absl::Duration refresh_margin = absl::Minutes(5),
                                            std::string endpoint = "",
                                            std::string account_file = "") {
    absl::StatusOr<ServiceAccount> account = LoadServiceAccount(
        account_file.empty() ? fake_->File("service_account_file") : account_file, "");
    EXPECT_TRUE(account.ok()) << account.status();
    http_ = std::make_shared<HttpClient>(HttpClientSettings{
        fake_->File("ca_file"), absl::Seconds(2), absl::Milliseconds(700), false});
    tokens_ = std::make_shared<FcmAccessTokens>(*account, http_, refresh_margin);
    return std::make_unique<FcmProvider>(
        tokens_, http_,
        FcmProviderSettings{endpoint.empty() ? fake_->Url("port") : endpoint, {absl::Seconds(60)}});
  }

  static PushMessage Message() {
    PushMessage message;
    message.message_id = "0b6f5f8e-3f7e-4d55-a2d8-8d7c1f8e2a10";
    message.token = "fcm-token-0123456789-abcdef";
    message.platform = PushPlatform::kFcm;
    message.title = "Your turn";
    message.body = "Alice played e4";
    message.data = {{"match_id", "m-42"}};
    return message;
  }

  // The send requests the fake received.
  std::vector<Struct> Sends() {
    std::vector<Struct> sends;
    for (Struct& request : fake_->Requests()) {
      if (StringField(request, "route") == "send") sends.push_back(request);
    }
    return sends;
  }

  PushResult SendWithAnswer(const std::string& answer_json) {
    std::unique_ptr<FcmProvider> provider = MakeProvider();
    fake_->Script("send", "[" + answer_json + "]");
    return provider->Send(Message());
  }

  static FakePushServer* fake_;
  std::shared_ptr<HttpClient> http_;
  std::shared_ptr<FcmAccessTokens> tokens_;
};

FakePushServer* FcmProviderTest::fake_ = nullptr;

TEST_F(FcmProviderTest, DeliversThePayloadWithABearerTheOAuthEndpointIssued) {
  std::unique_ptr<FcmProvider> provider = MakeProvider();
  PushMessage message = Message();
  message.deep_link = "game://match/m-42";
  message.priority = PushPriority::kNormal;
  message.collapse_key = "match-m-42";
  message.expires_at = absl::Now() + absl::Hours(1);
  PushResult result = provider->Send(message);
  ASSERT_TRUE(std::holds_alternative<Delivered>(result.action)) << ActionName(result.action);
  EXPECT_EQ(std::get<Delivered>(result.action)
                .provider_message_id.rfind("projects/demo-project/messages/0:", 0),
            0u);
  EXPECT_EQ(result.http_status, 200);

  std::vector<Struct> requests = fake_->Requests();
  ASSERT_EQ(requests.size(), 2u);
  // The fake verified the assertion (RS256 with the account's key, iss, aud, scope).
  EXPECT_EQ(StringField(requests[0], "route"), "token");
  EXPECT_FALSE(StringField(requests[0], "error").has_value()) << *StringField(requests[0], "error");
  EXPECT_EQ(StringField(Object(requests[0], "claims"), "scope"),
            "https://www.googleapis.com/auth/firebase.messaging");
  const Struct& send = requests[1];
  EXPECT_EQ(StringField(send, "path"), "/v1/projects/demo-project/messages:send");
  // Issued by the fake's token endpoint (it answers 401 to anything else).
  EXPECT_EQ(StringField(send, "bearer").value_or("").rfind("fake-access-", 0), 0u);
  EXPECT_EQ(StringField(send, "content_type"), "application/json; charset=UTF-8");
  const Struct& fcm = Object(Object(send, "body"), "message");
  EXPECT_EQ(StringField(fcm, "token"), "fcm-token-0123456789-abcdef");
  EXPECT_EQ(StringField(Object(fcm, "notification"), "title"), "Your turn");
  EXPECT_EQ(StringField(Object(fcm, "notification"), "body"), "Alice played e4");
  EXPECT_EQ(StringField(Object(fcm, "data"), "match_id"), "m-42");
  EXPECT_EQ(StringField(Object(fcm, "data"), "delivery_id"), message.message_id);
  EXPECT_EQ(StringField(Object(fcm, "data"), "deep_link"), "game://match/m-42");
  EXPECT_EQ(StringField(Object(fcm, "android"), "priority"), "NORMAL");
  EXPECT_EQ(StringField(Object(fcm, "android"), "collapse_key"), "match-m-42");
  // The tray replaces a re-sent notification of the same tag.
  EXPECT_EQ(StringField(Object(Object(fcm, "android"), "notification"), "tag"), message.message_id);
  std::string ttl = StringField(Object(fcm, "android"), "ttl").value_or("");
  EXPECT_TRUE(ttl == "3600s" || ttl == "3599s") << ttl;
}

TEST_F(FcmProviderTest, OneOAuthCallAndOneConnectionForManySends) {
  std::unique_ptr<FcmProvider> provider = MakeProvider();
  for (int i = 0; i < 20; ++i) {
    PushResult result = provider->Send(Message());
    ASSERT_TRUE(std::holds_alternative<Delivered>(result.action)) << i;
  }
  EXPECT_EQ(fake_->Counter("oauth_calls"), 1);
  EXPECT_EQ(fake_->Counter("sends"), 20);
  EXPECT_EQ(tokens_->token_requests(), 1);
  // The token request and the 20 sends share one kept-alive connection.
  EXPECT_EQ(fake_->Counter("connections"), 1);
  EXPECT_EQ(http_->connections_opened(), 1);
}

TEST_F(FcmProviderTest, ConcurrentSendersShareOneAccessTokenAndAConnectionEach) {
  std::unique_ptr<FcmProvider> provider = MakeProvider();
  constexpr int kThreads = 4;
  constexpr int kSendsPerThread = 10;
  std::atomic<int> delivered{0};
  absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kSendsPerThread; ++i) {
        if (std::holds_alternative<Delivered>(provider->Send(Message()).action)) ++delivered;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(delivered.load(), kThreads * kSendsPerThread);
  // Threads that found the cache empty waited for the one token request.
  EXPECT_EQ(fake_->Counter("oauth_calls"), 1);
  EXPECT_LE(http_->connections_opened(), kThreads);
  std::cout << "fcm: " << kThreads * kSendsPerThread << " sends from " << kThreads << " threads in "
            << elapsed << " over " << http_->connections_opened() << " connection(s)" << std::endl;
}

TEST_F(FcmProviderTest, FetchesANewTokenShortlyBeforeExpiry) {
  fake_->Configure(R"({"expires_in": 6})");
  // Refresh 3 s before the 6 s lifetime: the token is reused for about 3 s
  // (room for two sends to a slow fake on a loaded machine), then renewed.
  std::unique_ptr<FcmProvider> provider = MakeProvider(absl::Seconds(3));
  ASSERT_TRUE(std::holds_alternative<Delivered>(provider->Send(Message()).action));
  ASSERT_TRUE(std::holds_alternative<Delivered>(provider->Send(Message()).action));
  EXPECT_EQ(fake_->Counter("oauth_calls"), 1);
  absl::SleepFor(absl::Milliseconds(3200));
  ASSERT_TRUE(std::holds_alternative<Delivered>(provider->Send(Message()).action));
  EXPECT_EQ(fake_->Counter("oauth_calls"), 2);
  std::vector<Struct> sends = Sends();
  ASSERT_EQ(sends.size(), 3u);
  EXPECT_EQ(StringField(sends[1], "bearer"), StringField(sends[0], "bearer"));
  EXPECT_NE(StringField(sends[2], "bearer"), StringField(sends[1], "bearer"));
}

// ----- The answer table, row by row, through the real HTTP stack -----

TEST_F(FcmProviderTest, UnregisteredInvalidatesTheToken) {
  PushResult result = SendWithAnswer(R"({"status": 404, "body": {"error": {"code": 404,
      "message": "Requested entity was not found.", "status": "NOT_FOUND", "details": [{"@type":
      "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}}})");
  ASSERT_TRUE(std::holds_alternative<InvalidateToken>(result.action)) << ActionName(result.action);
  EXPECT_EQ(result.provider_code, "UNREGISTERED");
  EXPECT_EQ(result.http_status, 404);
}

TEST_F(FcmProviderTest, InvalidArgumentNamingTheTokenInvalidatesIt) {
  PushResult result = SendWithAnswer(R"({"status": 400, "body": {"error": {"code": 400,
      "message": "The registration token is not a valid FCM registration token",
      "status": "INVALID_ARGUMENT", "details": [{"@type":
      "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "INVALID_ARGUMENT"}]}}})");
  EXPECT_TRUE(std::holds_alternative<InvalidateToken>(result.action)) << ActionName(result.action);
}

TEST_F(FcmProviderTest, InvalidArgumentAboutThePayloadFailsTheDelivery) {
  PushResult result = SendWithAnswer(R"({"status": 400, "body": {"error": {"code": 400,
      "message": "Invalid value at 'message.data[0].value'", "status": "INVALID_ARGUMENT",
      "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations":
      [{"field": "message.data[0].value", "description": "Invalid value"}]}]}}})");
  ASSERT_TRUE(std::holds_alternative<FailPermanently>(result.action)) << ActionName(result.action);
  EXPECT_NE(std::get<FailPermanently>(result.action).reason.find("message.data"),
            std::string::npos);
}

TEST_F(FcmProviderTest, SenderIdMismatchStopsTheTokenForThisSender) {
  PushResult result = SendWithAnswer(R"({"status": 403, "body": {"error": {"code": 403,
      "message": "SenderId mismatch", "status": "PERMISSION_DENIED", "details": [{"@type":
      "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "SENDER_ID_MISMATCH"}]}}})");
  EXPECT_TRUE(std::holds_alternative<StopTokenForSender>(result.action))
      << ActionName(result.action);
  // Not an auth error: no credential refresh.
  EXPECT_EQ(fake_->Counter("oauth_calls"), 1);
}

TEST_F(FcmProviderTest, QuotaExceededThrottlesTheProviderForRetryAfter) {
  PushResult result = SendWithAnswer(R"({"status": 429, "headers": {"Retry-After": "17"},
      "body": {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota",
      "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
      "errorCode": "QUOTA_EXCEEDED"}]}}})");
  ASSERT_TRUE(std::holds_alternative<ThrottleProvider>(result.action)) << ActionName(result.action);
  EXPECT_EQ(std::get<ThrottleProvider>(result.action).retry_after, absl::Seconds(17));
}

TEST_F(FcmProviderTest, UnavailableRetriesHonouringRetryAfter) {
  PushResult result = SendWithAnswer(R"({"status": 503, "headers": {"Retry-After": "5"},
      "body": {"error": {"code": 503, "status": "UNAVAILABLE", "message": "overloaded",
      "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
      "errorCode": "UNAVAILABLE"}]}}})");
  ASSERT_TRUE(std::holds_alternative<RetryLater>(result.action)) << ActionName(result.action);
  EXPECT_EQ(std::get<RetryLater>(result.action).retry_after, absl::Seconds(5));
  EXPECT_FALSE(std::get<RetryLater>(result.action).outcome_unknown);
}

TEST_F(FcmProviderTest, InternalRetries) {
  PushResult result = SendWithAnswer(R"({"status": 500, "body": {"error": {"code": 500,
      "status": "INTERNAL", "message": "internal", "details": [{"@type":
      "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "INTERNAL"}]}}})");
  ASSERT_TRUE(std::holds_alternative<RetryLater>(result.action)) << ActionName(result.action);
  EXPECT_EQ(std::get<RetryLater>(result.action).retry_after, std::nullopt);
}

TEST_F(FcmProviderTest, ATimeoutRetriesWithAnUnknownOutcome) {
  absl::Time start = absl::Now();
  PushResult result =
      SendWithAnswer(R"({"status": 200, "body": {"name": "late"}, "delay_ms": 2000})");
  ASSERT_TRUE(std::holds_alternative<RetryLater>(result.action)) << ActionName(result.action);
  EXPECT_TRUE(std::get<RetryLater>(result.action).outcome_unknown);
  EXPECT_EQ(result.provider_code, "timeout");
  // The 700 ms request timeout, not the fake's 2 s.
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1800));
}

TEST_F(FcmProviderTest, ARefusedConnectionRetriesKnowingNothingWasSent) {
  // A port that was just free: nothing listens there.
  std::unique_ptr<FcmProvider> provider = MakeProvider(absl::Minutes(5), "https://127.0.0.1:1");
  PushResult result = provider->Send(Message());
  ASSERT_TRUE(std::holds_alternative<RetryLater>(result.action)) << ActionName(result.action);
  EXPECT_FALSE(std::get<RetryLater>(result.action).outcome_unknown);
  EXPECT_EQ(result.provider_code, "connection_error");
}

TEST_F(FcmProviderTest, ThirdPartyAuthErrorRefreshesTheTokenOnceThenDelivers) {
  PushResult result = SendWithAnswer(R"({"status": 401, "body": {"error": {"code": 401,
      "status": "UNAUTHENTICATED", "message": "auth", "details": [{"@type":
      "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "THIRD_PARTY_AUTH_ERROR"}]}}})");
  ASSERT_TRUE(std::holds_alternative<Delivered>(result.action)) << ActionName(result.action);
  EXPECT_EQ(fake_->Counter("oauth_calls"), 2);
  std::vector<Struct> sends = Sends();
  ASSERT_EQ(sends.size(), 2u);
  // The refused token was dropped, the retry carried a new one.
  EXPECT_NE(StringField(sends[1], "bearer"), StringField(sends[0], "bearer"));
}

TEST_F(FcmProviderTest, AuthRefusedAgainAfterTheRefreshPausesTheProvider) {
  fake_->Configure(R"({"revoke_tokens": true})");  // every bearer gets 401 UNAUTHENTICATED
  std::unique_ptr<FcmProvider> provider = MakeProvider();
  PushResult result = provider->Send(Message());
  ASSERT_TRUE(std::holds_alternative<PauseProvider>(result.action)) << ActionName(result.action);
  EXPECT_EQ(fake_->Counter("oauth_calls"), 2);
  EXPECT_EQ(fake_->Counter("sends"), 2);
}

TEST_F(FcmProviderTest, AnAssertionSignedWithAnotherKeyIsRefusedAndPausesTheProvider) {
  // The same account with a key the fake does not know.
  std::string account = std::string(std::getenv("TEST_TMPDIR")) + "/wrong_key_account.json";
  {
    absl::StatusOr<Struct> real = ParseJsonObject([&] {
      std::ifstream in(fake_->File("service_account_file"));
      return std::string(std::istreambuf_iterator<char>(in), {});
    }());
    ASSERT_TRUE(real.ok());
    SetString(*real, "private_key", testing::GenerateRsaKey().private_pem);
    std::ofstream(account) << ToJson(*real);
  }
  std::unique_ptr<FcmProvider> provider = MakeProvider(absl::Minutes(5), "", account);
  PushResult result = provider->Send(Message());
  ASSERT_TRUE(std::holds_alternative<PauseProvider>(result.action)) << ActionName(result.action);
  EXPECT_EQ(fake_->Counter("oauth_rejected"), 1);
  EXPECT_EQ(fake_->Counter("sends"), 0);
}

TEST_F(FcmProviderTest, AnApnsMessageIsRefusedWithoutSending) {
  std::unique_ptr<FcmProvider> provider = MakeProvider();
  PushMessage message = Message();
  message.platform = PushPlatform::kApns;
  EXPECT_TRUE(std::holds_alternative<FailPermanently>(provider->Send(message).action));
  EXPECT_EQ(fake_->Counter("sends"), 0);
}

}  // namespace
}  // namespace qs::notification::delivery
