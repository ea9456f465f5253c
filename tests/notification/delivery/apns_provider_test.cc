// The APNs provider end to end: real libcurl over HTTP/2 and TLS to a local
// fake APNs (fake_apns.py) with a production and a sandbox host, which
// verifies the ES256 provider token and the headers as APNs does.
#include "notification/delivery/apns_provider.h"

#include <cstdlib>

#include "gtest/gtest.h"
#include "notification/delivery/json_object.h"
#include "tests/notification/delivery/fake_push_server.h"
#include "tests/notification/delivery/test_keys.h"

namespace qs::notification::delivery {
namespace {

using google::protobuf::Struct;
using testing::FakePushServer;

constexpr char kTopic[] = "com.example.game";
constexpr char kToken[] = "8f3c2a1b9d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";

class ApnsProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fake_ = FakePushServer::Start(std::getenv("FAKE_APNS"), {"--topic", kTopic}).release();
  }
  static void TearDownTestSuite() { delete fake_; }

  void SetUp() override {
    fake_->Reset();
    fake_->Configure(R"({"environments": {}})");
  }

  std::unique_ptr<ApnsProvider> MakeProvider(std::string topic = kTopic, std::string key_pem = "") {
    absl::StatusOr<ApnsKey> key = LoadApnsKey(fake_->File("key_file"), "KEYID12345", "TEAMID1234");
    EXPECT_TRUE(key.ok()) << key.status();
    if (!key_pem.empty()) key->private_key = *SigningKey::FromPem(key_pem);
    http_ = std::make_shared<HttpClient>(HttpClientSettings{
        fake_->File("ca_file"), absl::Seconds(2), absl::Milliseconds(700), true});
    tokens_ = std::make_shared<ApnsProviderTokens>(*key, absl::Minutes(50));
    return std::make_unique<ApnsProvider>(
        tokens_, http_,
        ApnsProviderSettings{
            fake_->Url("production_port"), fake_->Url("sandbox_port"), topic, {absl::Seconds(60)}});
  }

  static PushMessage Message() {
    PushMessage message;
    message.message_id = "5D3C1E2A-7B4F-4C8D-9E1A-2B3C4D5E6F70";
    message.token = kToken;
    message.platform = PushPlatform::kApns;
    message.title = "Your turn";
    message.body = "Alice played e4";
    message.data = {{"match_id", "m-42"}};
    return message;
  }

  PushResult SendWithAnswers(const std::string& answers_json, PushMessage message = Message()) {
    std::unique_ptr<ApnsProvider> provider = MakeProvider();
    fake_->Script("apns", answers_json);
    return provider->Send(message);
  }

  static std::string Header(const Struct& request, const std::string& name) {
    const Struct* headers = ObjectField(request, "headers");
    return headers == nullptr ? "<none>" : StringField(*headers, name).value_or("<none>");
  }

  static FakePushServer* fake_;
  std::shared_ptr<HttpClient> http_;
  std::shared_ptr<ApnsProviderTokens> tokens_;
};

FakePushServer* ApnsProviderTest::fake_ = nullptr;

TEST_F(ApnsProviderTest, DeliversWithTheHeadersAndPayloadApnsExpects) {
  std::unique_ptr<ApnsProvider> provider = MakeProvider();
  PushMessage message = Message();
  message.deep_link = "game://match/m-42";
  message.collapse_key = "match-m-42";
  message.expires_at = absl::FromUnixSeconds(1'900'000'000);
  PushResult result = provider->Send(message);
  ASSERT_TRUE(std::holds_alternative<Delivered>(result.action)) << result.provider_code;
  EXPECT_EQ(std::get<Delivered>(result.action).provider_message_id, message.message_id);
  EXPECT_EQ(std::get<Delivered>(result.action).corrected_apns_sandbox, std::nullopt);

  std::vector<Struct> requests = fake_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  const Struct& request = requests[0];
  EXPECT_EQ(StringField(request, "environment"), "production");
  EXPECT_EQ(Header(request, ":path"), std::string("/3/device/") + kToken);
  EXPECT_EQ(Header(request, "apns-topic"), kTopic);
  EXPECT_EQ(Header(request, "apns-push-type"), "alert");
  EXPECT_EQ(Header(request, "apns-priority"), "10");
  EXPECT_EQ(Header(request, "apns-id"), message.message_id);
  EXPECT_EQ(Header(request, "apns-collapse-id"), "match-m-42");
  EXPECT_EQ(Header(request, "apns-expiration"), "1900000000");
  absl::StatusOr<Struct> body = ParseJsonObject(StringField(request, "body").value_or(""));
  ASSERT_TRUE(body.ok());
  const Struct* aps = ObjectField(*body, "aps");
  ASSERT_NE(aps, nullptr);
  EXPECT_EQ(StringField(*ObjectField(*aps, "alert"), "title"), "Your turn");
  EXPECT_EQ(StringField(*ObjectField(*aps, "alert"), "body"), "Alice played e4");
  EXPECT_EQ(StringField(*body, "match_id"), "m-42");
  EXPECT_EQ(StringField(*body, "delivery_id"), message.message_id);
  EXPECT_EQ(StringField(*body, "deep_link"), "game://match/m-42");
}

TEST_F(ApnsProviderTest, ABackgroundPushHasPriorityFiveAndContentAvailable) {
  std::unique_ptr<ApnsProvider> provider = MakeProvider();
  PushMessage message = Message();
  message.title.clear();
  message.body.clear();
  ASSERT_TRUE(std::holds_alternative<Delivered>(provider->Send(message).action));
  std::vector<Struct> requests = fake_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(Header(requests[0], "apns-push-type"), "background");
  EXPECT_EQ(Header(requests[0], "apns-priority"), "5");
  EXPECT_EQ(Header(requests[0], "apns-collapse-id"), "<none>");
  absl::StatusOr<Struct> body = ParseJsonObject(StringField(requests[0], "body").value_or(""));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(NumberField(*ObjectField(*body, "aps"), "content-available"), 1);
}

TEST_F(ApnsProviderTest, TheHostIsChosenPerToken) {
  std::unique_ptr<ApnsProvider> provider = MakeProvider();
  PushMessage sandbox = Message();
  sandbox.apns_sandbox = true;
  ASSERT_TRUE(std::holds_alternative<Delivered>(provider->Send(sandbox).action));
  ASSERT_TRUE(std::holds_alternative<Delivered>(provider->Send(Message()).action));
  ASSERT_TRUE(std::holds_alternative<Delivered>(provider->Send(sandbox).action));
  std::vector<Struct> requests = fake_->Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(StringField(requests[0], "environment"), "sandbox");
  EXPECT_EQ(StringField(requests[1], "environment"), "production");
  EXPECT_EQ(StringField(requests[2], "environment"), "sandbox");
}

TEST_F(ApnsProviderTest, ReusesOneHttp2ConnectionAndOneProviderToken) {
  std::unique_ptr<ApnsProvider> provider = MakeProvider();
  for (int i = 0; i < 15; ++i) {
    ASSERT_TRUE(std::holds_alternative<Delivered>(provider->Send(Message()).action)) << i;
  }
  EXPECT_EQ(fake_->Counter("connections"), 1);
  EXPECT_EQ(http_->connections_opened(), 1);
  EXPECT_EQ(tokens_->tokens_signed(), 1);
}

// ----- The answer table, row by row, through the real HTTP/2 stack -----

TEST_F(ApnsProviderTest, UnregisteredInvalidatesTheToken) {
  PushResult result = SendWithAnswers(R"([{"status": 410, "body": {"reason": "Unregistered"}}])");
  ASSERT_TRUE(std::holds_alternative<InvalidateToken>(result.action)) << result.provider_code;
  EXPECT_EQ(result.provider_code, "Unregistered");
  EXPECT_EQ(fake_->Counter("requests_production"), 1);
  EXPECT_EQ(fake_->Counter("requests_sandbox"), 0);
}

TEST_F(ApnsProviderTest, BadDeviceTokenFromTheWrongEnvironmentIsDeliveredOnTheOtherHost) {
  // A development build's token registered without the sandbox flag.
  fake_->Configure(std::string(R"({"environments": {")") + kToken + R"(": "sandbox"}})");
  std::unique_ptr<ApnsProvider> provider = MakeProvider();
  PushResult result = provider->Send(Message());
  ASSERT_TRUE(std::holds_alternative<Delivered>(result.action)) << result.provider_code;
  EXPECT_EQ(std::get<Delivered>(result.action).corrected_apns_sandbox, true);
  std::vector<Struct> requests = fake_->Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(StringField(requests[0], "environment"), "production");
  EXPECT_EQ(StringField(requests[1], "environment"), "sandbox");
  // Same apns-id both times: a duplicate would collapse on the device.
  EXPECT_EQ(Header(requests[0], "apns-id"), Header(requests[1], "apns-id"));
}

TEST_F(ApnsProviderTest, BadDeviceTokenOnBothHostsInvalidatesTheToken) {
  PushResult result = SendWithAnswers(R"([{"status": 400, "body": {"reason": "BadDeviceToken"}},
                                          {"status": 400, "body": {"reason": "BadDeviceToken"}}])");
  ASSERT_TRUE(std::holds_alternative<InvalidateToken>(result.action)) << result.provider_code;
  EXPECT_EQ(fake_->Counter("requests_production"), 1);
  EXPECT_EQ(fake_->Counter("requests_sandbox"), 1);
}

TEST_F(ApnsProviderTest, APayloadErrorFailsTheDeliveryAndKeepsTheToken) {
  PushResult result =
      SendWithAnswers(R"([{"status": 400, "body": {"reason": "PayloadTooLarge"}}])");
  ASSERT_TRUE(std::holds_alternative<FailPermanently>(result.action)) << result.provider_code;
  EXPECT_EQ(std::get<FailPermanently>(result.action).reason, "PayloadTooLarge");
}

TEST_F(ApnsProviderTest, ACollapseIdOver64BytesFailsWithoutSending) {
  PushMessage message = Message();
  message.collapse_key = std::string(65, 'c');
  PushResult result = MakeProvider()->Send(message);
  ASSERT_TRUE(std::holds_alternative<FailPermanently>(result.action));
  EXPECT_NE(std::get<FailPermanently>(result.action).reason.find("collapse_key"),
            std::string::npos);
  EXPECT_EQ(fake_->Requests().size(), 0u);
  message.collapse_key = std::string(64, 'c');
  EXPECT_TRUE(std::holds_alternative<Delivered>(MakeProvider()->Send(message).action));
}

TEST_F(ApnsProviderTest, ATokenForAnotherTopicStopsTheTokenForThisSender) {
  // The fake checks apns-topic against its own: another app's topic is refused.
  PushResult result = MakeProvider("com.example.other")->Send(Message());
  ASSERT_TRUE(std::holds_alternative<StopTokenForSender>(result.action)) << result.provider_code;
  EXPECT_EQ(result.provider_code, "DeviceTokenNotForTopic");
}

TEST_F(ApnsProviderTest, TooManyRequestsThrottlesTheProviderForRetryAfter) {
  PushResult result = SendWithAnswers(
      R"([{"status": 429, "headers": {"retry-after": "9"}, "body": {"reason": "TooManyRequests"}}])");
  ASSERT_TRUE(std::holds_alternative<ThrottleProvider>(result.action)) << result.provider_code;
  EXPECT_EQ(std::get<ThrottleProvider>(result.action).retry_after, absl::Seconds(9));
}

TEST_F(ApnsProviderTest, ServiceUnavailableAndInternalErrorRetry) {
  PushResult unavailable = SendWithAnswers(
      R"([{"status": 503, "headers": {"retry-after": "4"}, "body": {"reason": "ServiceUnavailable"}}])");
  ASSERT_TRUE(std::holds_alternative<RetryLater>(unavailable.action)) << unavailable.provider_code;
  EXPECT_EQ(std::get<RetryLater>(unavailable.action).retry_after, absl::Seconds(4));
  PushResult internal =
      SendWithAnswers(R"([{"status": 500, "body": {"reason": "InternalServerError"}}])");
  ASSERT_TRUE(std::holds_alternative<RetryLater>(internal.action)) << internal.provider_code;
}

TEST_F(ApnsProviderTest, ATimeoutRetriesWithAnUnknownOutcome) {
  absl::Time start = absl::Now();
  PushResult result = SendWithAnswers(R"([{"status": 200, "delay_ms": 2000}])");
  ASSERT_TRUE(std::holds_alternative<RetryLater>(result.action)) << result.provider_code;
  EXPECT_TRUE(std::get<RetryLater>(result.action).outcome_unknown);
  EXPECT_EQ(result.provider_code, "timeout");
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1800));
}

TEST_F(ApnsProviderTest, ExpiredProviderTokenIsResignedOnceThenDelivers) {
  PushResult result =
      SendWithAnswers(R"([{"status": 403, "body": {"reason": "ExpiredProviderToken"}}])");
  ASSERT_TRUE(std::holds_alternative<Delivered>(result.action)) << result.provider_code;
  EXPECT_EQ(tokens_->tokens_signed(), 2);
  EXPECT_EQ(fake_->Counter("requests_production"), 2);
}

TEST_F(ApnsProviderTest, AKeyApnsDoesNotKnowPausesTheProvider) {
  // Signed with another key: the fake's signature check refuses it, twice.
  std::unique_ptr<ApnsProvider> provider =
      MakeProvider(kTopic, testing::GenerateP256Key().private_pem);
  PushResult result = provider->Send(Message());
  ASSERT_TRUE(std::holds_alternative<PauseProvider>(result.action)) << result.provider_code;
  EXPECT_EQ(result.provider_code, "InvalidProviderToken");
  EXPECT_EQ(fake_->Counter("requests_production"), 2);
}

TEST_F(ApnsProviderTest, ANonHexTokenIsInvalidWithoutSending) {
  PushMessage message = Message();
  message.token = "../../3/device/other";
  PushResult result = MakeProvider()->Send(message);
  EXPECT_TRUE(std::holds_alternative<InvalidateToken>(result.action));
  EXPECT_EQ(fake_->Requests().size(), 0u);
}

TEST_F(ApnsProviderTest, AnHttp1ServerIsRefused) {
  // The control server speaks plain HTTP/1.1 only.
  auto key = LoadApnsKey(fake_->File("key_file"), "KEYID12345", "TEAMID1234");
  auto http = std::make_shared<HttpClient>(
      HttpClientSettings{"", absl::Seconds(2), absl::Milliseconds(700), true});
  std::string http1 = "http://127.0.0.1:" + std::to_string(fake_->Port("control_port"));
  ApnsProvider provider(std::make_shared<ApnsProviderTokens>(*key, absl::Minutes(50)), http,
                        ApnsProviderSettings{http1, http1, kTopic, {}});
  PushResult result = provider.Send(Message());
  ASSERT_TRUE(std::holds_alternative<RetryLater>(result.action)) << result.provider_code;
  EXPECT_NE(std::get<RetryLater>(result.action).reason.find("HTTP/2"), std::string::npos);
}

}  // namespace
}  // namespace qs::notification::delivery
