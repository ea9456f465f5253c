// The credential check of ops.v1.Privacy (common/privacy/admin_credential.h):
// each kind of bad credential gets its own code, only the exact token passes.
#include "common/privacy/admin_credential.h"

#include "gtest/gtest.h"

namespace qs::privacy {
namespace {

const std::optional<std::string> kToken = std::string("the-admin-token-0123456789");

absl::StatusCode CodeOf(const std::optional<std::string>& authorization) {
  return CheckAdminCredential(authorization, kToken).code();
}

TEST(AdminCredentialTest, TheExactBearerTokenPasses) {
  EXPECT_TRUE(CheckAdminCredential("Bearer the-admin-token-0123456789", kToken).ok());
}

TEST(AdminCredentialTest, AMissingOrMalformedCredentialIsUnauthenticated) {
  EXPECT_EQ(CodeOf(std::nullopt), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CodeOf(""), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CodeOf("Bearer "), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CodeOf("the-admin-token-0123456789"), absl::StatusCode::kUnauthenticated)
      << "no scheme";
  EXPECT_EQ(CodeOf("Basic the-admin-token-0123456789"), absl::StatusCode::kUnauthenticated);
}

TEST(AdminCredentialTest, AnyOtherTokenIsPermissionDenied) {
  EXPECT_EQ(CodeOf("Bearer wrong"), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeOf("Bearer the-admin-token-012345678"), absl::StatusCode::kPermissionDenied)
      << "a prefix";
  EXPECT_EQ(CodeOf("Bearer the-admin-token-0123456789x"), absl::StatusCode::kPermissionDenied)
      << "longer";
  EXPECT_EQ(CodeOf("Bearer THE-ADMIN-TOKEN-0123456789"), absl::StatusCode::kPermissionDenied)
      << "tokens are case-sensitive";
}

TEST(AdminCredentialTest, WithoutAConfiguredTokenEveryCallIsFailedPrecondition) {
  const absl::Status status = CheckAdminCredential("Bearer anything", std::nullopt);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("PRIVACY_ADMIN_TOKEN"), absl::string_view::npos) << status;
  EXPECT_EQ(CheckAdminCredential(std::nullopt, std::nullopt).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace qs::privacy
