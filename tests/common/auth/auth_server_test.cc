// AUTH_MODE=jwt and RATE_LIMITS against the real social binary, through a
// real gRPC client, with keys the test makes and rows checked in SQL on the
// primary: a good token acts as its user, every bad one is UNAUTHENTICATED
// with its reason and changes nothing, x-user-id alone no longer counts; a
// burst over a method's limit is refused with retry-after-ms, runs nothing,
// leaves other users alone and passes again after the wait.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "gtest/gtest.h"
#include "proto/ops/v1/diagnostics.grpc.pb.h"
#include "proto/social/v1/friends.grpc.pb.h"
#include "tests/common/auth/test_tokens.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

namespace v1 = ::social::v1;

constexpr char kIssuer[] = "https://id.test";
constexpr char kAudience[] = "social";
const std::string kSecret = "the-social-hs256-secret-32-bytes-long!";

std::string WriteTestFile(const std::string& name, const std::string& text) {
  const std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::unique_ptr<grpc::ClientContext> Deadline(std::unique_ptr<grpc::ClientContext> context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

// A context carrying `authorization: Bearer <token>` (and no x-user-id).
std::unique_ptr<grpc::ClientContext> WithToken(const std::string& token) {
  auto context = Deadline(std::make_unique<grpc::ClientContext>());
  context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  return context;
}

// Pending requests `requester` has sent, on the primary.
int64_t RequestsSentBy(const std::string& requester) {
  return ServiceFixture::QueryPrimary(
             "social_db", "SELECT count(*) FROM friend_requests WHERE requester_id = $1",
             requester)[0][0]
      .as<int64_t>();
}

class JwtModeTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(TestKey::Rsa("rsa-1"));
    ec_ = new TestKey(TestKey::Ec("ec-1"));
    StartSharedServer("social",
                      {{"AUTH_MODE", "jwt"},
                       {"AUTH_JWKS_FILE", WriteTestFile("jwks.json", JwksOf({rsa_, ec_}))},
                       {"AUTH_HS256_KEY_FILE", WriteTestFile("hs256.key", kSecret)},
                       {"AUTH_ISSUER", kIssuer},
                       {"AUTH_AUDIENCE", kAudience},
                       {"AUTH_CLOCK_SKEW_MS", "1000"}});
    friends_ = v1::FriendService::NewStub(channel());
  }
  static void TearDownTestSuite() {
    friends_.reset();
    StopSharedServer();
    delete rsa_;
    delete ec_;
  }

  static TestClaims ClaimsFor(const std::string& user) {
    TestClaims claims;
    claims.iss = kIssuer;
    claims.aud = kAudience;
    claims.sub = user;
    return claims;
  }

  static grpc::Status SendRequest(std::unique_ptr<grpc::ClientContext> context,
                                  const std::string& to) {
    v1::SendFriendRequestRequest request;
    request.set_user_id(to);
    v1::Friendship friendship;
    return friends_->SendFriendRequest(context.get(), request, &friendship);
  }

  static absl::StatusOr<v1::Friendship> Friendship(std::unique_ptr<grpc::ClientContext> context,
                                                   const std::string& with) {
    v1::GetFriendshipRequest request;
    request.set_user_id(with);
    v1::Friendship friendship;
    grpc::Status status = friends_->GetFriendship(context.get(), request, &friendship);
    if (!status.ok()) return absl::UnknownError(status.error_message());
    return friendship;
  }

  inline static TestKey* rsa_;
  inline static TestKey* ec_;
  inline static std::unique_ptr<v1::FriendService::Stub> friends_;
};

TEST_F(JwtModeTest, AGoodTokenActsAsItsUserWithEveryAlgorithm) {
  const std::string alice = api::NewUuidV4();
  const std::string bob = api::NewUuidV4();
  grpc::Status sent = SendRequest(WithToken(rsa_->Token(ClaimsFor(alice).Json())), bob);
  ASSERT_TRUE(sent.ok()) << sent.error_message();
  EXPECT_EQ(QueryPrimary("social_db",
                         "SELECT count(*) FROM friend_requests WHERE requester_id = $1 AND "
                         "recipient_id = $2",
                         alice, bob)[0][0]
                .as<int64_t>(),
            1);
  absl::StatusOr<v1::Friendship> seen_by_alice =
      Friendship(WithToken(ec_->Token(ClaimsFor(alice).Json())), bob);
  ASSERT_TRUE(seen_by_alice.ok()) << seen_by_alice.status();
  EXPECT_EQ(seen_by_alice->state(), v1::FRIENDSHIP_STATE_REQUEST_SENT);
  absl::StatusOr<v1::Friendship> seen_by_bob =
      Friendship(WithToken(TestKey::Hmac(kSecret).Token(ClaimsFor(bob).Json())), alice);
  ASSERT_TRUE(seen_by_bob.ok()) << seen_by_bob.status();
  EXPECT_EQ(seen_by_bob->state(), v1::FRIENDSHIP_STATE_REQUEST_RECEIVED);
}

TEST_F(JwtModeTest, BadTokensAreUnauthenticatedWithTheReasonAndChangeNothing) {
  const std::string mallory = api::NewUuidV4();
  TestClaims expired = ClaimsFor(mallory);
  expired.exp = absl::Now() - absl::Seconds(30);
  TestClaims other_audience = ClaimsFor(mallory);
  other_audience.aud = "quest";
  TestClaims other_issuer = ClaimsFor(mallory);
  other_issuer.iss = "https://evil.test";
  const TestKey stranger = TestKey::Rsa("rsa-1");  // the kid of a real key
  const std::string good = rsa_->Token(ClaimsFor(mallory).Json());
  const std::map<std::string, std::string> tokens_and_reasons = {
      {rsa_->Token(expired.Json()), "bearer token expired 3"},  // 30 or 31 s ago
      {rsa_->Token(other_audience.Json()), "audience (aud) does not name this service"},
      {rsa_->Token(other_issuer.Json()), "issuer (iss) is not the one this service trusts"},
      {stranger.Token(ClaimsFor(mallory).Json()), "signature does not verify"},
      {good.substr(0, good.rfind('.')), "2 dot-separated parts instead of 3"},
      {absl::StrCat("e30.", good.substr(good.find('.') + 1)), "header has no alg"},
      {CompactJwt(R"({"alg":"none"})", ClaimsFor(mallory).Json(), ""),
       "alg none is never accepted"},
      {TestKey::Hmac(rsa_->PublicKeyPem()).Token(ClaimsFor(mallory).Json()),
       "signature does not verify"},
  };
  for (const auto& [token, reason] : tokens_and_reasons) {
    grpc::Status status = SendRequest(WithToken(token), api::NewUuidV4());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << reason;
    EXPECT_TRUE(absl::StrContains(status.error_message(), reason))
        << "wanted '" << reason << "', got '" << status.error_message() << "'";
  }
  auto not_bearer = Deadline(std::make_unique<grpc::ClientContext>());
  not_bearer->AddMetadata("authorization", "Basic dXNlcjpwdw==");
  grpc::Status basic = SendRequest(std::move(not_bearer), api::NewUuidV4());
  EXPECT_EQ(basic.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(basic.error_message(), "authorization metadata is not 'Bearer <token>'");
  EXPECT_EQ(RequestsSentBy(mallory), 0) << "a refused call wrote a row";
  // Refused calls are logged with their reason, never with their token.
  const std::string log = server().Log();
  for (const auto& [token, reason] : tokens_and_reasons) {
    const std::string signature = token.substr(token.rfind('.') + 1);
    if (signature.size() >= 16) {
      EXPECT_FALSE(absl::StrContains(log, signature)) << reason;
    }
  }
}

TEST_F(JwtModeTest, XUserIdAloneNoLongerAuthenticates) {
  const std::string alice = api::NewUuidV4();
  grpc::Status status = SendRequest(As(alice), api::NewUuidV4());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "authorization: Bearer <token>"))
      << status.error_message();
  EXPECT_EQ(RequestsSentBy(alice), 0);
  // With a token, an x-user-id naming someone else is ignored.
  const std::string bob = api::NewUuidV4();
  auto both = WithToken(ec_->Token(ClaimsFor(alice).Json()));
  both->AddMetadata("x-user-id", bob);
  ASSERT_TRUE(SendRequest(std::move(both), api::NewUuidV4()).ok());
  EXPECT_EQ(RequestsSentBy(alice), 1);
  EXPECT_EQ(RequestsSentBy(bob), 0);
}

TEST_F(JwtModeTest, MethodsWithoutAUserNeedNoToken) {
  auto diagnostics = ::ops::v1::Diagnostics::NewStub(channel());
  auto context = Deadline(std::make_unique<grpc::ClientContext>());
  ::ops::v1::GetServiceInfoResponse info;
  grpc::Status status =
      diagnostics->GetServiceInfo(context.get(), ::ops::v1::GetServiceInfoRequest(), &info);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

class RateLimitTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    StartSharedServer("social",
                      {{"RATE_LIMITS", "social.v1.FriendService/SendFriendRequest=0.5/s:3"}});
    friends_ = v1::FriendService::NewStub(channel());
  }
  static void TearDownTestSuite() {
    friends_.reset();
    StopSharedServer();
  }

  // SendFriendRequest by `from` to `to`; `retry_after_ms` gets the trailer.
  static grpc::Status Send(const std::string& from, const std::string& to,
                           int64_t* retry_after_ms = nullptr) {
    auto context = As(from);
    v1::SendFriendRequestRequest request;
    request.set_user_id(to);
    v1::Friendship friendship;
    grpc::Status status = friends_->SendFriendRequest(context.get(), request, &friendship);
    if (retry_after_ms != nullptr) {
      *retry_after_ms = -1;
      auto found = context->GetServerTrailingMetadata().find("retry-after-ms");
      if (found != context->GetServerTrailingMetadata().end()) {
        EXPECT_TRUE(absl::SimpleAtoi(absl::string_view(found->second.data(), found->second.size()),
                                     retry_after_ms));
      }
    }
    return status;
  }

  inline static std::unique_ptr<v1::FriendService::Stub> friends_;
};

TEST_F(RateLimitTest, ABurstPastTheLimitIsRefusedUntilATokenRefills) {
  const std::string alice = api::NewUuidV4();
  for (int i = 0; i < 3; ++i) {
    grpc::Status status = Send(alice, api::NewUuidV4());
    ASSERT_TRUE(status.ok()) << "call " << i << " of the burst: " << status.error_message();
  }
  const std::string refused_to = api::NewUuidV4();
  int64_t retry_after_ms = 0;
  grpc::Status refused = Send(alice, refused_to, &retry_after_ms);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_EQ(refused.error_message(),
            "rate limit: 0.5/s for social.v1.FriendService/SendFriendRequest");
  // A token every 2 s (slow enough that the burst cannot refill while it
  // is sent): the next comes within 2 s of the first take.
  EXPECT_GE(retry_after_ms, 1);
  EXPECT_LE(retry_after_ms, 2000);
  // Nothing of the refused call ran.
  EXPECT_EQ(
      QueryPrimary("social_db", "SELECT count(*) FROM friend_requests WHERE recipient_id = $1",
                   refused_to)[0][0]
          .as<int64_t>(),
      0);
  EXPECT_EQ(RequestsSentBy(alice), 3);

  // Another user has a bucket of its own; another method is not limited.
  ASSERT_TRUE(Send(api::NewUuidV4(), api::NewUuidV4()).ok());
  auto context = As(alice);
  v1::GetFriendshipRequest get;
  get.set_user_id(refused_to);
  v1::Friendship friendship;
  EXPECT_TRUE(friends_->GetFriendship(context.get(), get, &friendship).ok());

  // After the advertised wait, one more passes (and only one).
  absl::SleepFor(absl::Milliseconds(retry_after_ms));
  grpc::Status again = Send(alice, refused_to);
  EXPECT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(Send(alice, api::NewUuidV4()).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(RequestsSentBy(alice), 4);
}

// Settings that cannot work stop start-up with one line naming them.
TEST(AuthStartupTest, BadSettingsStopTheServerNamingTheVariable) {
  const char* binary = std::getenv("SOCIAL_BINARY");
  ASSERT_NE(binary, nullptr);
  const std::map<std::string, std::string> cases[] = {
      {{"RATE_LIMITS", "social.v1.FriendService/SendFriendReqest=1/s:1"}},
      {{"RATE_LIMITS", "social.v1.FriendService/SendFriendRequest=1/s"}},
      {{"AUTH_MODE", "jwt"}, {"AUTH_AUDIENCE", "social"}},
  };
  const char* expected[] = {
      "config error: RATE_LIMITS: social.v1.FriendService/SendFriendReqest is not a method this "
      "server serves",
      "config error: RATE_LIMITS: social.v1.FriendService/SendFriendRequest: '1/s' is not "
      "<rate>/s:<burst>",
      "config error: AUTH_ISSUER: required when AUTH_MODE=jwt",
  };
  for (size_t i = 0; i < std::size(cases); ++i) {
    std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("social");
    for (const auto& [key, value] : cases[i]) env[key] = value;
    std::unique_ptr<ServiceProcess> process = ServiceProcess::Start(binary, env);
    EXPECT_EQ(process->WaitForExit(absl::Seconds(30)), 2) << process->Log();
    EXPECT_TRUE(absl::StrContains(process->Log(), expected[i])) << process->Log();
  }
}

}  // namespace
}  // namespace qs::testing
