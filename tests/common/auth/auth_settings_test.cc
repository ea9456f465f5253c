// LoadAuthSettings: both modes, every required variable, and key files that
// cannot be used stop start-up naming the variable.
#include "common/auth/auth_settings.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/common/auth/test_tokens.h"

namespace qs::auth {
namespace {

using ::qs::testing::JwksOf;
using ::qs::testing::TestClaims;
using ::qs::testing::TestKey;

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string ErrorOf(std::map<std::string, std::string> env) {
  absl::StatusOr<AuthSettings> settings = LoadAuthSettings(config::MapEnv(std::move(env)));
  EXPECT_FALSE(settings.ok());
  return std::string(settings.status().message());
}

TEST(AuthSettingsTest, HeaderModeIsTheDefault) {
  absl::StatusOr<AuthSettings> settings = LoadAuthSettings(config::MapEnv({}));
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->mode, AuthMode::kHeader);
  EXPECT_EQ(settings->verifier, nullptr);
  EXPECT_EQ(ErrorOf({{"AUTH_MODE", "oauth"}}), "AUTH_MODE: must be header or jwt");
  EXPECT_EQ(ErrorOf({{"AUTH_ISSUER", "https://id.test"}}),
            "AUTH_ISSUER: is only used with AUTH_MODE=jwt (AUTH_MODE is header)");
}

TEST(AuthSettingsTest, JwtModeVerifiesWithTheKeysOfBothFiles) {
  const TestKey ec = TestKey::Ec("ec-1");
  const std::string secret = "a-shared-secret-of-at-least-32-bytes!";
  const std::map<std::string, std::string> env = {
      {"AUTH_MODE", "jwt"},
      {"AUTH_ISSUER", "https://id.test"},
      {"AUTH_AUDIENCE", "quest"},
      {"AUTH_JWKS_FILE", WriteFile("jwks.json", JwksOf({&ec}))},
      {"AUTH_HS256_KEY_FILE", WriteFile("hs256.key", secret + "\n")},  // newline ignored
      {"AUTH_CLOCK_SKEW_MS", "0"}};
  absl::StatusOr<AuthSettings> settings = LoadAuthSettings(config::MapEnv(env));
  ASSERT_TRUE(settings.ok()) << settings.status();
  ASSERT_NE(settings->verifier, nullptr);
  EXPECT_EQ(settings->verifier->accepted_algorithms(), "ES256, HS256");
  const TestClaims claims;
  EXPECT_TRUE(settings->verifier->VerifiedUser(ec.Token(claims.Json()), absl::Now()).ok());
  EXPECT_TRUE(
      settings->verifier->VerifiedUser(TestKey::Hmac(secret).Token(claims.Json()), absl::Now())
          .ok());
  // AUTH_CLOCK_SKEW_MS=0: expired a second ago is expired.
  TestClaims expired;
  expired.exp = absl::Now() - absl::Seconds(1);
  EXPECT_FALSE(settings->verifier->VerifiedUser(ec.Token(expired.Json()), absl::Now()).ok());
}

TEST(AuthSettingsTest, JwtModeNamesWhatIsMissingOrUnusable) {
  const std::map<std::string, std::string> base = {
      {"AUTH_MODE", "jwt"}, {"AUTH_ISSUER", "https://id.test"}, {"AUTH_AUDIENCE", "quest"}};
  auto with = [&base](std::map<std::string, std::string> extra) {
    std::map<std::string, std::string> env = base;
    for (auto& [key, value] : extra) env[key] = value;
    return env;
  };
  std::map<std::string, std::string> no_issuer = with({{"AUTH_JWKS_FILE", "/x"}});
  no_issuer.erase("AUTH_ISSUER");
  EXPECT_EQ(ErrorOf(no_issuer), "AUTH_ISSUER: required when AUTH_MODE=jwt");
  std::map<std::string, std::string> no_audience = with({{"AUTH_JWKS_FILE", "/x"}});
  no_audience.erase("AUTH_AUDIENCE");
  EXPECT_EQ(ErrorOf(no_audience), "AUTH_AUDIENCE: required when AUTH_MODE=jwt");
  EXPECT_EQ(ErrorOf(base),
            "AUTH_JWKS_FILE: AUTH_MODE=jwt needs AUTH_JWKS_FILE or AUTH_HS256_KEY_FILE");
  EXPECT_EQ(ErrorOf(with({{"AUTH_JWKS_FILE", "/nonexistent/jwks.json"}})),
            "AUTH_JWKS_FILE: cannot read /nonexistent/jwks.json");
  EXPECT_EQ(ErrorOf(with({{"AUTH_HS256_KEY_FILE", "/nonexistent/hs256.key"}})),
            "AUTH_HS256_KEY_FILE: cannot read /nonexistent/hs256.key");  // a path, not the key
  EXPECT_EQ(ErrorOf(with({{"AUTH_JWKS_FILE", WriteFile("bad.json", "{")}})),
            "AUTH_JWKS_FILE: the key set is not a JSON object");
  const std::string short_secret = "only-sixteen-byt";
  const std::string message =
      ErrorOf(with({{"AUTH_HS256_KEY_FILE", WriteFile("short.key", short_secret)}}));
  EXPECT_EQ(message, "AUTH_HS256_KEY_FILE: an HS256 key of 16 bytes (at least 32 needed)");
  EXPECT_FALSE(absl::StrContains(message, short_secret));
  EXPECT_TRUE(
      absl::StrContains(ErrorOf(with({{"AUTH_JWKS_FILE", "/x"}, {"AUTH_CLOCK_SKEW_MS", "-5"}})),
                        "AUTH_CLOCK_SKEW_MS"));
}

}  // namespace
}  // namespace qs::auth
