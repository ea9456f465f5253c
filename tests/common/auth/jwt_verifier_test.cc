// JwtVerifier against keys and tokens the test makes (test_tokens.h): every
// algorithm, every claim rule and its clock-skew edges, every way a token
// can be forged or broken, and garbage that must never crash it.
#include "common/auth/jwt_verifier.h"

#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/base64url.h"
#include "common/auth/jwks.h"
#include "gtest/gtest.h"
#include "tests/common/auth/test_tokens.h"

namespace qs::auth {
namespace {

using ::qs::testing::CompactJwt;
using ::qs::testing::JwksOf;
using ::qs::testing::TestClaims;
using ::qs::testing::TestKey;

constexpr char kUser[] = "2f1b6a38-54a4-4d8e-9a4b-6f0f1e2d3c4b";
const std::string kSecret = "an-hs256-secret-of-thirty-two-bytes-at-least";

JwtRules Rules() {
  return {.issuer = "https://id.test",
          .audience = "quest",
          .clock_skew = absl::Seconds(60),
          .user_claim = "sub"};
}

class JwtVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(TestKey::Rsa("rsa-1"));
    rsa2_ = new TestKey(TestKey::Rsa("rsa-2"));
    ec_ = new TestKey(TestKey::Ec("ec-1"));
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete rsa2_;
    delete ec_;
  }

  // A verifier of the JWKS of `keys`, plus the HS256 secret when `hmac`.
  static JwtVerifier VerifierOf(const std::vector<const TestKey*>& keys, bool hmac = false,
                                JwtRules rules = Rules()) {
    std::vector<VerificationKey> verification;
    if (!keys.empty()) {
      absl::StatusOr<std::vector<VerificationKey>> parsed = ParseJwks(JwksOf(keys));
      EXPECT_TRUE(parsed.ok()) << parsed.status();
      verification = *std::move(parsed);
    }
    if (hmac) verification.push_back(*VerificationKey::Hs256(kSecret));
    return JwtVerifier(std::move(verification), std::move(rules));
  }

  static JwtVerifier All() { return VerifierOf({rsa_, rsa2_, ec_}, /*hmac=*/true); }

  // The reason a token is refused; "" when it verifies.
  static std::string Refusal(const JwtVerifier& verifier, const std::string& token,
                             absl::Time now = absl::Now()) {
    absl::StatusOr<std::string> user = verifier.VerifiedUser(token, now);
    if (user.ok()) return "";
    EXPECT_EQ(user.status().code(), absl::StatusCode::kUnauthenticated) << user.status();
    if (token.size() >= 8) {  // a short one may be any word
      EXPECT_FALSE(absl::StrContains(user.status().message(), token)) << "the token is echoed";
    }
    return std::string(user.status().message());
  }

  inline static TestKey* rsa_;
  inline static TestKey* rsa2_;
  inline static TestKey* ec_;
};

TEST_F(JwtVerifierTest, EachAlgorithmVerifiesItsTokens) {
  const JwtVerifier verifier = All();
  TestClaims claims;
  claims.sub = absl::AsciiStrToUpper(kUser);  // lower-cased like x-user-id
  for (const TestKey* key : {rsa_, rsa2_, ec_}) {
    absl::StatusOr<std::string> user =
        verifier.VerifiedUser(key->Token(claims.Json()), absl::Now());
    ASSERT_TRUE(user.ok()) << key->alg() << " " << key->kid() << ": " << user.status();
    EXPECT_EQ(*user, kUser);
  }
  absl::StatusOr<std::string> user =
      verifier.VerifiedUser(TestKey::Hmac(kSecret).Token(claims.Json()), absl::Now());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(*user, kUser);
}

TEST_F(JwtVerifierTest, TheKidChoosesTheKeyOfTheSet) {
  const JwtVerifier verifier = All();
  const std::string claims = TestClaims().Json();
  // Signed by rsa-2 but naming rsa-1: rsa-1 is tried, and refuses it.
  const std::string header = R"({"alg":"RS256","kid":"rsa-1"})";
  EXPECT_TRUE(absl::StrContains(Refusal(verifier, rsa2_->TokenWithHeader(header, claims)),
                                "signature does not verify"));
  EXPECT_TRUE(absl::StrContains(
      Refusal(verifier, rsa_->TokenWithHeader(R"({"alg":"RS256","kid":"rsa-9"})", claims)),
      "unknown key"));
  EXPECT_TRUE(absl::StrContains(
      Refusal(verifier, rsa_->TokenWithHeader(R"({"alg":"RS256"})", claims)), "has no kid"));
  // One key of the algorithm: a token without kid is checked against it.
  EXPECT_EQ(Refusal(VerifierOf({rsa_}), rsa_->TokenWithHeader(R"({"alg":"RS256"})", claims)), "");
}

TEST_F(JwtVerifierTest, AnUnknownKidMeetsAKeyWithoutKidOfItsAlgorithm) {
  // The HS256 secret has no kid; an issuer that puts one in its HMAC tokens
  // still meets it, and only the signature decides.
  const std::string claims = TestClaims().Json();
  const TestKey hmac = TestKey::Hmac(kSecret);
  const std::string header = R"({"alg":"HS256","kid":"issuer-key-7"})";
  EXPECT_EQ(Refusal(All(), hmac.TokenWithHeader(header, claims)), "");
  EXPECT_TRUE(absl::StrContains(
      Refusal(All(), TestKey::Hmac(kSecret + "x").TokenWithHeader(header, claims)),
      "signature does not verify"));
}

TEST_F(JwtVerifierTest, ATokenWithCriticalExtensionsIsRefused) {
  // RFC 7515 4.1.11: extensions named in crit must be understood, and this
  // server understands none; even a correctly signed token is refused.
  const std::string claims = TestClaims().Json();
  for (const char* crit : {R"(["exp"])", R"(["b64"])", "[]", R"("b64")"}) {
    const std::string header = absl::StrCat(R"({"alg":"RS256","kid":"rsa-1","crit":)", crit, "}");
    EXPECT_EQ(Refusal(All(), rsa_->TokenWithHeader(header, claims)),
              "bearer token header has crit (critical extensions this server does not implement)")
        << crit;
  }
  EXPECT_EQ(Refusal(All(), rsa_->TokenWithHeader(R"({"alg":"RS256","kid":"rsa-1"})", claims)), "");
}

TEST_F(JwtVerifierTest, AKeyOutsideTheSetIsRefused) {
  const JwtVerifier verifier = All();
  const TestKey stranger = TestKey::Ec("ec-1");  // same kid, another key
  EXPECT_TRUE(absl::StrContains(Refusal(verifier, stranger.Token(TestClaims().Json())),
                                "signature does not verify"));
  EXPECT_TRUE(
      absl::StrContains(Refusal(verifier, TestKey::Hmac(kSecret + "x").Token(TestClaims().Json())),
                        "signature does not verify"));
}

TEST_F(JwtVerifierTest, AlgNoneIsNeverAccepted) {
  const JwtVerifier verifier = All();
  for (const char* alg : {"none", "None", "NONE"}) {
    const std::string token =
        CompactJwt(absl::StrCat(R"({"alg":")", alg, R"("})"), TestClaims().Json(), "");
    EXPECT_TRUE(absl::StrContains(Refusal(verifier, token), "alg none is never accepted")) << alg;
  }
  EXPECT_TRUE(absl::StrContains(
      Refusal(verifier, CompactJwt(R"({"alg":"RS512"})", TestClaims().Json(), "x")),
      "alg is not one accepted here (accepted: RS256, ES256, HS256)"));
  EXPECT_TRUE(absl::StrContains(
      Refusal(verifier, CompactJwt(R"({"typ":"JWT"})", TestClaims().Json(), "x")), "no alg"));
}

TEST_F(JwtVerifierTest, AlgConfusionWithThePublicKeyAsHmacSecretFails) {
  // The classic attack: sign HS256 with the RSA public key's PEM (which the
  // attacker knows) and hope the server feeds its RSA key to HMAC.
  const TestKey forged = TestKey::Hmac(rsa_->PublicKeyPem());
  const std::string token =
      forged.TokenWithHeader(R"({"alg":"HS256","kid":"rsa-1"})", TestClaims().Json());
  EXPECT_TRUE(absl::StrContains(Refusal(VerifierOf({rsa_, ec_}), token),
                                "alg HS256 is not accepted here (accepted: RS256, ES256)"));
  // With an HS256 key configured too, the token meets that key, not rsa-1.
  EXPECT_TRUE(absl::StrContains(Refusal(VerifierOf({rsa_}, /*hmac=*/true), token),
                                "signature does not verify"));
  // And an RS256 header over an ES256 signature is checked with an RSA key.
  EXPECT_TRUE(absl::StrContains(
      Refusal(All(), ec_->TokenWithHeader(R"({"alg":"RS256","kid":"rsa-1"})", TestClaims().Json())),
      "signature does not verify"));
}

TEST_F(JwtVerifierTest, IssuerAndAudienceMustMatch) {
  const JwtVerifier verifier = All();
  TestClaims claims;
  claims.iss = "https://evil.test";
  EXPECT_TRUE(absl::StrContains(Refusal(verifier, rsa_->Token(claims.Json())), "issuer (iss)"));
  claims = TestClaims();
  claims.aud = "social";
  EXPECT_TRUE(absl::StrContains(Refusal(verifier, rsa_->Token(claims.Json())), "audience (aud)"));
  const std::string listed =
      absl::StrCat(R"({"iss":"https://id.test","aud":["social","quest"],"sub":")", kUser,
                   R"(","exp":)", absl::ToUnixSeconds(absl::Now()) + 60, "}");
  EXPECT_EQ(Refusal(verifier, rsa_->Token(listed)), "");
  const std::string unlisted =
      absl::StrCat(R"({"iss":"https://id.test","aud":["social"],"sub":")", kUser, R"(","exp":)",
                   absl::ToUnixSeconds(absl::Now()) + 60, "}");
  EXPECT_TRUE(absl::StrContains(Refusal(verifier, rsa_->Token(unlisted)), "audience (aud)"));
}

TEST_F(JwtVerifierTest, ExpiryAndNotBeforeHonourTheClockSkewToTheSecond) {
  const JwtVerifier verifier = All();  // skew 60 s
  const absl::Time at = absl::FromUnixSeconds(1800000000);
  TestClaims claims;
  claims.exp = at;
  const std::string token = ec_->Token(claims.Json());
  EXPECT_EQ(Refusal(verifier, token, at + absl::Seconds(59)), "");
  EXPECT_EQ(Refusal(verifier, token, at + absl::Seconds(60) - absl::Milliseconds(1)), "");
  EXPECT_EQ(Refusal(verifier, token, at + absl::Seconds(60)),
            "bearer token expired 60 s ago (exp)");
  EXPECT_EQ(Refusal(verifier, token, at + absl::Hours(1)), "bearer token expired 3600 s ago (exp)");

  claims.exp = at + absl::Hours(1);
  claims.nbf = at;
  const std::string early = ec_->Token(claims.Json());
  EXPECT_EQ(Refusal(verifier, early, at - absl::Seconds(60)), "");
  EXPECT_EQ(Refusal(verifier, early, at - absl::Seconds(61)),
            "bearer token is not valid yet: not before (nbf) 61 s from now");

  JwtRules strict = Rules();
  strict.clock_skew = absl::ZeroDuration();
  const JwtVerifier no_skew = VerifierOf({ec_}, false, strict);
  EXPECT_EQ(Refusal(no_skew, early, at - absl::Seconds(1)),
            "bearer token is not valid yet: not before (nbf) 1 s from now");
  EXPECT_EQ(Refusal(no_skew, early, at), "");
}

TEST_F(JwtVerifierTest, ExpiryIsRequiredAndTimesMustBeNumbers) {
  const JwtVerifier verifier = All();
  TestClaims claims;
  claims.exp.reset();
  EXPECT_TRUE(absl::StrContains(Refusal(verifier, rsa_->Token(claims.Json())), "no expiry (exp"));
  const std::string text_exp = absl::StrCat(R"({"iss":"https://id.test","aud":"quest","sub":")",
                                            kUser, R"(","exp":"tomorrow"})");
  EXPECT_TRUE(absl::StrContains(Refusal(verifier, rsa_->Token(text_exp)), "no expiry (exp"));
  const std::string text_nbf =
      absl::StrCat(R"({"iss":"https://id.test","aud":"quest","sub":")", kUser, R"(","exp":)",
                   absl::ToUnixSeconds(absl::Now()) + 60, R"(,"nbf":"now"})");
  EXPECT_TRUE(absl::StrContains(Refusal(verifier, rsa_->Token(text_nbf)), "not-before (nbf)"));
}

TEST_F(JwtVerifierTest, TheUserClaimMustBeAUuid) {
  const JwtVerifier verifier = All();
  TestClaims claims;
  claims.sub.reset();
  EXPECT_EQ(Refusal(verifier, rsa_->Token(claims.Json())),
            "bearer token has no sub claim naming the user (AUTH_USER_CLAIM)");
  claims.sub = "alice";
  EXPECT_EQ(Refusal(verifier, rsa_->Token(claims.Json())), "bearer token claim sub is not a UUID");

  JwtRules custom = Rules();
  custom.user_claim = "uid";
  const JwtVerifier by_uid = VerifierOf({rsa_}, false, custom);
  const std::string with_uid =
      absl::StrCat(R"({"iss":"https://id.test","aud":"quest","sub":"alice","uid":")", kUser,
                   R"(","exp":)", absl::ToUnixSeconds(absl::Now()) + 60, "}");
  absl::StatusOr<std::string> user = by_uid.VerifiedUser(rsa_->Token(with_uid), absl::Now());
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(*user, kUser);
  EXPECT_TRUE(absl::StrContains(Refusal(by_uid, rsa_->Token(TestClaims().Json())), "no uid claim"));
}

TEST_F(JwtVerifierTest, MalformedTokensSayWhatIsWrong) {
  const JwtVerifier verifier = All();
  const std::string good = rsa_->Token(TestClaims().Json());
  const std::vector<absl::string_view> parts = absl::StrSplit(good, '.');
  const std::string header(parts[0]), claims(parts[1]), signature(parts[2]);
  struct Case {
    std::string token;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"", "is empty"},
      {absl::StrCat(header, ".", claims), "2 dot-separated parts instead of 3"},
      {absl::StrCat(good, ".", signature), "4 dot-separated parts instead of 3"},
      {"abc", "1 dot-separated parts"},
      {absl::StrCat("e+J.", claims, ".", signature), "its header is not base64url"},
      {absl::StrCat(header, "=.", claims, ".", signature), "its header is not base64url"},
      {absl::StrCat(EncodeBase64Url("{not json"), ".", claims, ".", signature),
       "its header is not a JSON object"},
      {absl::StrCat(EncodeBase64Url("[1,2]"), ".", claims, ".", signature),
       "its header is not a JSON object"},
      {absl::StrCat(header, ".", claims, ".", signature, "%"), "its signature is not base64url"},
      {absl::StrCat(header, ".", claims, "x.", signature), "signature does not verify"},
      {std::string(kMaxTokenBytes + 1, 'a'), "longer than 8192 bytes"},
  };
  for (const Case& test : cases) {
    const std::string refusal = Refusal(verifier, test.token);
    EXPECT_TRUE(absl::StrContains(refusal, test.reason))
        << "token " << test.token.substr(0, 60) << ": " << refusal;
  }
  // Well signed, but the claims are not JSON: the signature is checked
  // first, so only a key holder could get this far.
  EXPECT_TRUE(absl::StrContains(
      Refusal(verifier, rsa_->TokenWithHeader(R"({"alg":"RS256","kid":"rsa-1"})", "not json")),
      "its claims are not a JSON object"));
}

// Garbage of every shape: random bytes, random segments, and single-byte
// mutations of a valid token. Never a crash, always UNAUTHENTICATED — except
// a mutation that decodes to the same bytes (base64url's unused low bits),
// which must then still name the same user.
TEST_F(JwtVerifierTest, GarbageNeverCrashesAndNeverAuthenticatesSomeoneElse) {
  const JwtVerifier verifier = All();
  std::mt19937 random(20261202);
  auto random_text = [&](size_t size, absl::string_view alphabet) {
    std::string text(size, ' ');
    for (char& c : text) c = alphabet[random() % alphabet.size()];
    return text;
  };
  const std::string bytes_alphabet = [] {
    std::string all;
    for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
    return all;
  }();
  const std::string base64_alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
  for (int i = 0; i < 3000; ++i) {
    const std::string token = random_text(random() % 400, i % 2 ? bytes_alphabet : base64_alphabet);
    EXPECT_FALSE(verifier.VerifiedUser(token, absl::Now()).ok());
  }
  for (const TestKey* key : {rsa_, ec_}) {
    const std::string good = key->Token(TestClaims().Json());
    for (size_t at = 0; at < good.size(); ++at) {
      for (char replacement : {'A', '_', '.', '=', '\0', '\xff'}) {
        std::string mutated = good;
        if (mutated[at] == replacement) continue;
        mutated[at] = replacement;
        absl::StatusOr<std::string> user = verifier.VerifiedUser(mutated, absl::Now());
        if (user.ok()) {
          EXPECT_EQ(*user, kUser) << "mutation at " << at;
        } else {
          EXPECT_EQ(user.status().code(), absl::StatusCode::kUnauthenticated);
        }
      }
    }
  }
  // Random JSON-ish headers and claims around a real signature.
  for (int i = 0; i < 500; ++i) {
    const std::string header = random_text(random() % 80, R"({}[]":,alg RS256kid0123)");
    const std::string claims = random_text(random() % 120, R"({}[]":,.-0123456789issaudsubexp )");
    EXPECT_FALSE(verifier.VerifiedUser(rsa_->TokenWithHeader(header, claims), absl::Now()).ok());
  }
}

}  // namespace
}  // namespace qs::auth
