// AuthHook::OnStart on a ServerContext the test fills (no server): what it
// refuses, what it stores in the call's context, and the messages the
// handler then answers (api::ActingUserId) in both modes.
#include "common/auth/auth_hook.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/api/acting_user.h"
#include "common/auth/verification_key.h"
#include "grpcpp/test/server_context_test_spouse.h"
#include "gtest/gtest.h"
#include "tests/common/auth/test_tokens.h"

namespace qs::auth {
namespace {

using ::qs::testing::TestClaims;
using ::qs::testing::TestKey;

constexpr char kUser[] = "2f1b6a38-54a4-4d8e-9a4b-6f0f1e2d3c4b";
constexpr char kMethod[] = "/social.v1.FriendService/SendFriendRequest";
const std::string kSecret = "an-hs256-secret-of-thirty-two-bytes-at-least";

std::shared_ptr<const JwtVerifier> Verifier() {
  std::vector<VerificationKey> keys;
  keys.push_back(*VerificationKey::Hs256(kSecret));
  return std::make_shared<const JwtVerifier>(
      std::move(keys), JwtRules{.issuer = "https://id.test", .audience = "quest"});
}

// One call's metadata, what the hook answered, and what it left in `call`.
struct Outcome {
  grpc::Status status;
  base::CallContext call;
  // What the handler's ActingUserId answers for the call afterwards.
  absl::StatusOr<std::string> acting_user = absl::UnknownError("not read");
};

Outcome Authenticate(AuthHook& hook,
                     const std::vector<std::pair<std::string, std::string>>& metadata,
                     const char* method = kMethod) {
  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse spouse(&context);
  for (const auto& [key, value] : metadata) spouse.AddClientMetadata(key, value);
  Outcome outcome;
  outcome.status = hook.OnStart(method, context, outcome.call);
  base::ScopedCall current(&outcome.call);
  outcome.acting_user = api::ActingUserId(context);
  return outcome;
}

class AuthHookTest : public ::testing::Test {
 protected:
  ~AuthHookTest() override { api::SetIdentitySource(api::IdentitySource::kUserIdHeader); }
};

class JwtAuthHookTest : public AuthHookTest {
 protected:
  JwtAuthHookTest() { api::SetIdentitySource(api::IdentitySource::kVerifiedToken); }
  AuthHook hook_{Verifier()};
  const std::string token_ = TestKey::Hmac(kSecret).Token(TestClaims().Json());
};

TEST_F(JwtAuthHookTest, AVerifiedTokenIsTheUser) {
  for (const char* scheme : {"Bearer ", "bearer ", "BEARER "}) {  // case-insensitive
    Outcome outcome =
        Authenticate(hook_, {{"authorization", scheme + token_}, {"x-user-id", "ignored"}});
    ASSERT_TRUE(outcome.status.ok()) << scheme << outcome.status.error_message();
    EXPECT_EQ(outcome.call.user_id, kUser) << scheme;
    EXPECT_EQ(*outcome.acting_user, kUser);
  }
}

TEST_F(JwtAuthHookTest, TwoAuthorizationHeadersAreRefused) {
  Outcome outcome = Authenticate(
      hook_, {{"authorization", "Bearer " + token_}, {"authorization", "Bearer " + token_}});
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(outcome.status.error_message(), "authorization metadata given more than once");
  EXPECT_TRUE(outcome.call.user_id.empty());
}

TEST_F(JwtAuthHookTest, AnEmptyOrSchemelessCredentialIsRefused) {
  for (const std::string& value : {std::string("Bearer "), std::string("Bearer"), token_,
                                   "Basic " + token_, "Bearer" + token_}) {
    Outcome outcome = Authenticate(hook_, {{"authorization", value}});
    EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << value;
    EXPECT_EQ(outcome.status.error_message(), "authorization metadata is not 'Bearer <token>'");
    EXPECT_TRUE(outcome.call.user_id.empty());
  }
  Outcome bad = Authenticate(hook_, {{"authorization", "Bearer not-a-jwt"}});
  EXPECT_EQ(bad.status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(bad.status.error_message(),
            "bearer token is malformed: 1 dot-separated parts instead of 3 "
            "(header.claims.signature)");
}

TEST_F(JwtAuthHookTest, NoAuthorizationGoesOnAndTheHandlerAsksForAToken) {
  Outcome outcome = Authenticate(hook_, {{"x-user-id", kUser}});
  ASSERT_TRUE(outcome.status.ok());
  EXPECT_TRUE(outcome.call.user_id.empty());
  EXPECT_EQ(outcome.acting_user.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(outcome.acting_user.status().message(),
            "missing credential: send metadata 'authorization: Bearer <token>' (AUTH_MODE=jwt; "
            "x-user-id is not accepted)");
}

TEST_F(JwtAuthHookTest, OperatorMethodsAreNotAuthenticatedByTheHook) {
  // ops.v1.Privacy's authorization carries its own admin token: not a JWT.
  for (const char* method : {"/ops.v1.Privacy/EraseUser", "/ops.v1.Diagnostics/Probe"}) {
    Outcome outcome = Authenticate(hook_, {{"authorization", "Bearer admin-secret"}}, method);
    EXPECT_TRUE(outcome.status.ok()) << method << ": " << outcome.status.error_message();
    EXPECT_TRUE(outcome.call.user_id.empty());
  }
  // The same credential on a user method is refused.
  EXPECT_EQ(Authenticate(hook_, {{"authorization", "Bearer admin-secret"}}).status.error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuthHookTest, HeaderModeStoresAValidUserAndTheReasonOtherwise) {
  AuthHook hook(nullptr);
  Outcome valid = Authenticate(hook, {{"x-user-id", "2F1B6A38-54A4-4D8E-9A4B-6F0F1E2D3C4B"}});
  ASSERT_TRUE(valid.status.ok());
  EXPECT_EQ(valid.call.user_id, kUser);
  EXPECT_EQ(valid.call.unauthenticated_reason, nullptr);
  EXPECT_EQ(*valid.acting_user, kUser);
  // Never refused by the hook (a method may need no user); the handler
  // answers the messages x-user-id always had.
  const std::pair<std::vector<std::pair<std::string, std::string>>, const char*> cases[] = {
      {{}, "missing x-user-id metadata"},
      {{{"x-user-id", kUser}, {"x-user-id", kUser}}, "x-user-id metadata given more than once"},
      {{{"x-user-id", "alice"}}, "x-user-id metadata is not a UUID"},
      {{{"authorization", "Bearer x"}}, "missing x-user-id metadata"}};
  for (const auto& [metadata, message] : cases) {
    Outcome outcome = Authenticate(hook, metadata);
    ASSERT_TRUE(outcome.status.ok()) << message;
    EXPECT_TRUE(outcome.call.user_id.empty()) << message;
    EXPECT_STREQ(outcome.call.unauthenticated_reason, message);
    EXPECT_EQ(outcome.acting_user.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(outcome.acting_user.status().message(), message);
  }
}

}  // namespace
}  // namespace qs::auth
