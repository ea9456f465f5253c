// The acting user: x-user-id parsed once (what the auth hook calls), and
// ActingUserId / ActingUserOf reading the call's context when one is
// current, the metadata when none is (header mode), or refusing (jwt mode).
#include "common/api/acting_user.h"

#include <optional>
#include <string>

#include "common/base/call_context.h"
#include "grpcpp/test/server_context_test_spouse.h"
#include "gtest/gtest.h"

namespace qs::api {
namespace {

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

constexpr char kUser[] = "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13";

// Restores header mode after a test that switched to jwt mode.
class ActingUserTest : public ::testing::Test {
 protected:
  ~ActingUserTest() override { SetIdentitySource(IdentitySource::kUserIdHeader); }
};

TEST_F(ActingUserTest, ReturnsTheLowerCasedUuid) {
  Metadata metadata = {{"x-user-id", "3F0C5A8E-9D1B-4C7E-8A41-2B6F0E9D7C13"}};
  absl::StatusOr<std::string> user = ActingUserId(metadata);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(*user, kUser);
}

TEST_F(ActingUserTest, MissingMalformedOrRepeatedIsUnauthenticated) {
  Metadata missing = {{"x-other", kUser}};
  Metadata malformed = {{"x-user-id", "alice"}};
  Metadata repeated = {{"x-user-id", kUser}, {"x-user-id", "4f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13"}};
  const std::pair<const Metadata*, const char*> cases[] = {
      {&missing, "missing x-user-id metadata"},
      {&malformed, "x-user-id metadata is not a UUID"},
      {&repeated, "x-user-id metadata given more than once"}};
  for (const auto& [metadata, message] : cases) {
    absl::StatusOr<std::string> user = ActingUserId(*metadata);
    ASSERT_FALSE(user.ok());
    EXPECT_EQ(user.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(user.status().message(), message);
    // The hook's form: the same message, and the user left alone.
    std::string read = "untouched";
    const char* problem = nullptr;
    EXPECT_FALSE(ReadUserIdHeader(*metadata, read, problem));
    EXPECT_STREQ(problem, message);
    EXPECT_EQ(read, "untouched");
  }
}

TEST_F(ActingUserTest, AUserTheHookStoredIsReadFromTheCallWithoutACopy) {
  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse spouse(&context);
  spouse.AddClientMetadata("x-user-id", "4f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13");
  base::CallContext call;
  call.user_id = kUser;
  base::ScopedCall current(&call);
  std::string storage;
  absl::StatusOr<const std::string*> user = ActingUserOf(context, storage);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(*user, &call.user_id);  // the call's string itself, not the metadata
  EXPECT_TRUE(storage.empty());
  EXPECT_EQ(*ActingUserId(context), kUser);
  // In jwt mode too: the hook verified the token that gave it.
  SetIdentitySource(IdentitySource::kVerifiedToken);
  EXPECT_EQ(*ActingUserId(context), kUser);
}

TEST_F(ActingUserTest, TheReasonTheHookFoundIsAnsweredWithoutReadingTheMetadata) {
  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse spouse(&context);
  spouse.AddClientMetadata("x-user-id", kUser);  // would be valid: not read again
  base::CallContext call;
  call.unauthenticated_reason = "x-user-id metadata is not a UUID";
  base::ScopedCall current(&call);
  absl::StatusOr<std::string> user = ActingUserId(context);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(user.status().message(), "x-user-id metadata is not a UUID");
}

TEST_F(ActingUserTest, WithoutACurrentCallHeaderModeParsesTheContextsMetadata) {
  ASSERT_EQ(base::CurrentCall(), nullptr);
  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse spouse(&context);
  EXPECT_EQ(ActingUserId(context).status().message(), "missing x-user-id metadata");
  spouse.AddClientMetadata("x-user-id", "3F0C5A8E-9D1B-4C7E-8A41-2B6F0E9D7C13");
  std::string storage;
  absl::StatusOr<const std::string*> user = ActingUserOf(context, storage);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(*user, &storage);
  EXPECT_EQ(storage, kUser);
  EXPECT_EQ(*ActingUserId(context), kUser);
  spouse.AddClientMetadata("x-user-id", kUser);
  EXPECT_EQ(ActingUserId(context).status().message(), "x-user-id metadata given more than once");
}

TEST_F(ActingUserTest, ACallNoHookReadIsParsedFromTheMetadataInHeaderMode) {
  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse spouse(&context);
  spouse.AddClientMetadata("x-user-id", kUser);
  base::CallContext call;  // no user, no reason: no auth hook ran
  base::ScopedCall current(&call);
  EXPECT_EQ(*ActingUserId(context), kUser);
}

TEST_F(ActingUserTest, WithoutAnAuthenticatedCallJwtModeRefusesAndIgnoresXUserId) {
  SetIdentitySource(IdentitySource::kVerifiedToken);
  grpc::ServerContext context;
  grpc::testing::ServerContextTestSpouse spouse(&context);
  spouse.AddClientMetadata("x-user-id", kUser);
  for (bool with_call : {false, true}) {
    base::CallContext call;
    std::optional<base::ScopedCall> current;
    if (with_call) current.emplace(&call);
    absl::StatusOr<std::string> user = ActingUserId(context);
    ASSERT_FALSE(user.ok()) << with_call;
    EXPECT_EQ(user.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(user.status().message(),
              "no authenticated call: bearer tokens are verified only by the auth hook "
              "(AUTH_MODE=jwt)");
  }
}

}  // namespace
}  // namespace qs::api
