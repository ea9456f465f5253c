// JWT signing, verified by OpenSSL alone (test_keys.cc) and by decoding the
// header and claims; the credential caches with a fake clock.
#include "notification/delivery/jwt_signer.h"

#include <fstream>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "notification/delivery/apns_credentials.h"
#include "notification/delivery/fcm_credentials.h"
#include "notification/delivery/json_object.h"
#include "tests/notification/delivery/test_keys.h"

namespace qs::notification::delivery {
namespace {

using testing::GenerateP256Key;
using testing::GenerateRsaKey;
using testing::VerifyJwsSignature;

struct DecodedJwt {
  google::protobuf::Struct header;
  google::protobuf::Struct claims;
  std::string signing_input;
  std::string signature;
};

DecodedJwt Decode(const std::string& jwt) {
  std::vector<std::string> parts = absl::StrSplit(jwt, '.');
  EXPECT_EQ(parts.size(), 3u);
  DecodedJwt decoded;
  std::string header, claims;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[0], &header));
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[1], &claims));
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[2], &decoded.signature));
  // No padding in any part (RFC 7515).
  EXPECT_EQ(jwt.find('='), std::string::npos);
  decoded.header = *ParseJsonObject(header);
  decoded.claims = *ParseJsonObject(claims);
  decoded.signing_input = parts[0] + "." + parts[1];
  return decoded;
}

TEST(JwtSignerTest, Rs256SignatureVerifiesWithThePublicKey) {
  testing::TestKeyPair pair = GenerateRsaKey();
  absl::StatusOr<SigningKey> key = SigningKey::FromPem(pair.private_pem);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->algorithm(), JwtAlgorithm::kRs256);
  google::protobuf::Struct claims;
  SetString(claims, "iss", "sender@example.iam.gserviceaccount.com");
  absl::StatusOr<std::string> jwt = SignJwt(*key, {}, claims);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  DecodedJwt decoded = Decode(*jwt);
  EXPECT_EQ(StringField(decoded.header, "alg"), "RS256");
  EXPECT_EQ(StringField(decoded.header, "typ"), "JWT");
  EXPECT_EQ(StringField(decoded.claims, "iss"), "sender@example.iam.gserviceaccount.com");
  EXPECT_TRUE(VerifyJwsSignature(pair.public_pem, false, decoded.signing_input, decoded.signature));
  // A changed claim no longer verifies.
  EXPECT_FALSE(
      VerifyJwsSignature(pair.public_pem, false, decoded.signing_input + "x", decoded.signature));
}

TEST(JwtSignerTest, Es256SignatureIsRawRAndSAndVerifies) {
  testing::TestKeyPair pair = GenerateP256Key();
  absl::StatusOr<SigningKey> key = SigningKey::FromPem(pair.private_pem);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->algorithm(), JwtAlgorithm::kEs256);
  // Many signatures: R or S with a leading zero byte must still be 32 bytes.
  for (int i = 0; i < 50; ++i) {
    google::protobuf::Struct claims;
    SetNumber(claims, "iat", 1'800'000'000 + i);
    absl::StatusOr<std::string> jwt = SignJwt(*key, {{"kid", "ABC123DEFG"}}, claims);
    ASSERT_TRUE(jwt.ok()) << jwt.status();
    DecodedJwt decoded = Decode(*jwt);
    EXPECT_EQ(StringField(decoded.header, "alg"), "ES256");
    EXPECT_EQ(StringField(decoded.header, "kid"), "ABC123DEFG");
    ASSERT_EQ(decoded.signature.size(), 64u);
    ASSERT_TRUE(
        VerifyJwsSignature(pair.public_pem, true, decoded.signing_input, decoded.signature));
  }
}

TEST(JwtSignerTest, IntegerClaimsAreWrittenAsIntegers) {
  testing::TestKeyPair pair = GenerateP256Key();
  google::protobuf::Struct claims;
  SetNumber(claims, "iat", 1'800'000'000);
  std::string jwt = *SignJwt(*SigningKey::FromPem(pair.private_pem), {}, claims);
  std::string json;
  ASSERT_TRUE(
      absl::WebSafeBase64Unescape(std::vector<std::string>(absl::StrSplit(jwt, '.'))[1], &json));
  EXPECT_EQ(json, R"({"iat":1800000000})");
}

TEST(JwtSignerTest, RejectsWhatIsNotAPrivateKey) {
  EXPECT_EQ(SigningKey::FromPem("not a key").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SigningKey::FromPem(GenerateRsaKey().public_pem).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FcmCredentialsTest, TheAssertionCarriesTheClaimsFcmRequires) {
  testing::TestKeyPair pair = GenerateRsaKey();
  ServiceAccount account{"demo-project", "push@demo-project.iam.gserviceaccount.com",
                         "https://oauth2.example.test/token",
                         *SigningKey::FromPem(pair.private_pem)};
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  DecodedJwt decoded = Decode(*ServiceAccountAssertion(account, now));
  EXPECT_EQ(StringField(decoded.claims, "iss"), "push@demo-project.iam.gserviceaccount.com");
  EXPECT_EQ(StringField(decoded.claims, "scope"),
            "https://www.googleapis.com/auth/firebase.messaging");
  EXPECT_EQ(StringField(decoded.claims, "aud"), "https://oauth2.example.test/token");
  EXPECT_EQ(NumberField(decoded.claims, "iat"), 1'800'000'000);
  EXPECT_EQ(NumberField(decoded.claims, "exp"), 1'800'003'600);
  EXPECT_TRUE(VerifyJwsSignature(pair.public_pem, false, decoded.signing_input, decoded.signature));
}

TEST(FcmCredentialsTest, LoadingAServiceAccountNamesTheMissingFieldNeverAValue) {
  std::string path = std::string(getenv("TEST_TMPDIR")) + "/account.json";
  std::ofstream(path)
      << R"({"project_id": "p", "client_email": "e@x", "private_key": "SECRET-PEM"})";
  absl::StatusOr<ServiceAccount> account = LoadServiceAccount(path, "");
  EXPECT_EQ(account.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(account.status().message().find("token_uri"), std::string::npos);
  account = LoadServiceAccount(path, "https://override/token");
  EXPECT_EQ(account.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(account.status().message().find("private_key"), std::string::npos);
  EXPECT_EQ(account.status().message().find("SECRET-PEM"), std::string::npos);
  EXPECT_EQ(LoadServiceAccount(path + ".absent", "").status().code(), absl::StatusCode::kNotFound);
}

TEST(ApnsCredentialsTest, TheProviderTokenIsReusedThenResignedAfterTheRefreshAge) {
  testing::TestKeyPair pair = GenerateP256Key();
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  ApnsProviderTokens tokens(
      ApnsKey{"KEY1234567", "TEAM123456", *SigningKey::FromPem(pair.private_pem)},
      absl::Minutes(50), [&now] { return now; });
  std::string first = *tokens.Get();
  DecodedJwt decoded = Decode(first);
  EXPECT_EQ(StringField(decoded.header, "kid"), "KEY1234567");
  EXPECT_EQ(StringField(decoded.claims, "iss"), "TEAM123456");
  EXPECT_EQ(NumberField(decoded.claims, "iat"), 1'800'000'000);
  EXPECT_TRUE(VerifyJwsSignature(pair.public_pem, true, decoded.signing_input, decoded.signature));

  now += absl::Minutes(49);
  EXPECT_EQ(*tokens.Get(), first);
  now += absl::Minutes(1);
  std::string second = *tokens.Get();
  EXPECT_NE(second, first);
  EXPECT_EQ(NumberField(Decode(second).claims, "iat"), 1'800'003'000);
  // A refused token is re-signed at once, however young.
  tokens.Invalidate(second);
  now += absl::Seconds(1);
  EXPECT_NE(*tokens.Get(), second);
  EXPECT_EQ(tokens.tokens_signed(), 3);
}

TEST(ApnsCredentialsTest, TheRefreshAgeIsKeptWithinTwentyToSixtyMinutes) {
  testing::TestKeyPair pair = GenerateP256Key();
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  ApnsProviderTokens eager(ApnsKey{"K", "T", *SigningKey::FromPem(pair.private_pem)},
                           absl::Minutes(1), [&now] { return now; });
  std::string first = *eager.Get();
  now += absl::Minutes(19);
  EXPECT_EQ(*eager.Get(), first);  // never re-signed within 20 minutes
  now += absl::Minutes(1);
  EXPECT_NE(*eager.Get(), first);

  ApnsProviderTokens lazy(ApnsKey{"K", "T", *SigningKey::FromPem(pair.private_pem)}, absl::Hours(5),
                          [&now] { return now; });
  first = *lazy.Get();
  now += absl::Minutes(59);
  EXPECT_NE(*lazy.Get(), first);  // re-signed before Apple's 60 minutes
}

}  // namespace
}  // namespace qs::notification::delivery
