// ParseJwks on key sets the test makes: the usable keys kept, foreign ones
// skipped, broken ones named.
#include "common/auth/jwks.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/auth/base64url.h"
#include "gtest/gtest.h"
#include "tests/common/auth/test_tokens.h"

namespace qs::auth {
namespace {

using ::qs::testing::TestKey;

std::string ErrorOf(const std::string& json) {
  absl::StatusOr<std::vector<VerificationKey>> keys = ParseJwks(json);
  EXPECT_FALSE(keys.ok());
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(keys.status().message());
}

TEST(JwksTest, KeepsRsaAndP256KeysAndSkipsForeignOnes) {
  const TestKey rsa = TestKey::Rsa("r1");
  const TestKey ec = TestKey::Ec("e1");
  const std::string json = absl::StrCat(
      R"({"keys":[)", rsa.Jwk(), ",", ec.Jwk(),
      R"(,{"kty":"oct","k":"c2VjcmV0"},{"kty":"OKP","crv":"Ed25519","x":"AA"},)",
      R"({"kty":"EC","crv":"P-384","x":"AA","y":"AA"},)",
      R"({"kty":"RSA","use":"enc","n":"AA","e":"AQAB"},{"kty":"RSA","alg":"RS512","n":"AA","e":"AQAB"}]})");
  absl::StatusOr<std::vector<VerificationKey>> keys = ParseJwks(json);
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].algorithm(), JwsAlgorithm::kRs256);
  EXPECT_EQ((*keys)[0].kid(), "r1");
  EXPECT_EQ((*keys)[1].algorithm(), JwsAlgorithm::kEs256);
  EXPECT_EQ((*keys)[1].kid(), "e1");
  const std::string input = "header.claims";
  EXPECT_TRUE((*keys)[0].Verifies(input, rsa.Sign(input)));
  EXPECT_TRUE((*keys)[1].Verifies(input, ec.Sign(input)));
  EXPECT_FALSE((*keys)[0].Verifies(input, rsa.Sign("other")));
  EXPECT_FALSE((*keys)[1].Verifies(input, ec.Sign("other")));
  EXPECT_FALSE((*keys)[1].Verifies(input, ""));
}

TEST(JwksTest, BrokenSetsAndKeysAreNamed) {
  const TestKey ec = TestKey::Ec("e1");
  EXPECT_EQ(ErrorOf("not json"), "the key set is not a JSON object");
  EXPECT_EQ(ErrorOf("[]"), "the key set is not a JSON object");
  EXPECT_EQ(ErrorOf(R"({"kids":[]})"), "the key set has no \"keys\" list");
  EXPECT_TRUE(absl::StrContains(ErrorOf(R"({"keys":[]})"), "no usable key"));
  EXPECT_EQ(ErrorOf(R"({"keys":[7]})"), "key 0 is not a JSON object");
  EXPECT_EQ(ErrorOf(R"({"keys":[{"kty":"RSA","kid":"r","e":"AQAB"}]})"),
            "key 0 (kid \"r\"): no \"n\"");
  EXPECT_TRUE(
      absl::StrContains(ErrorOf(R"({"keys":[{"kty":"RSA","kid":"r","n":"A+B","e":"AQAB"}]})"),
                        "key 0 (kid \"r\"): \"n\" is not base64url"));
  // e = 1 makes "signing" the identity: the public key check refuses it,
  // naming the kid (an even e likewise).
  const std::string rsa = TestKey::Rsa("r1").Jwk();
  ASSERT_TRUE(absl::StrContains(rsa, R"("e":"AQAB")")) << rsa;
  for (const char* e : {"AQ", "Ag", "AAE"}) {
    EXPECT_EQ(ErrorOf(absl::StrCat(
                  R"({"keys":[)",
                  absl::StrReplaceAll(rsa, {{R"("e":"AQAB")", absl::StrCat(R"("e":")", e, "\"")}}),
                  "]}")),
              "key 0 (kid \"r1\"): not a valid RSA public key (the public key check fails)")
        << e;
  }
  // A 1024-bit RSA key is too weak to trust.
  EXPECT_TRUE(
      absl::StrContains(ErrorOf(absl::StrCat(R"({"keys":[)", TestKey::Rsa("w", 1024).Jwk(), "]}")),
                        "an RSA key of 1024 bits (at least 2048 needed)"));
  // A point off the curve (y changed) is refused, not used.
  const std::string off_curve =
      absl::StrCat(R"({"keys":[{"kty":"EC","crv":"P-256","kid":"e","x":")",
                   EncodeBase64Url(std::string(32, '\x01')), R"(","y":")",
                   EncodeBase64Url(std::string(32, '\x02')), R"("}]})");
  EXPECT_EQ(ErrorOf(off_curve), "key 0 (kid \"e\"): not a point on P-256");
  EXPECT_TRUE(absl::StrContains(
      ErrorOf(R"({"keys":[{"kty":"EC","crv":"P-256","kid":"e","x":"AAAA","y":"AAAA"}]})"),
      "32 bytes"));
  EXPECT_EQ(ErrorOf(absl::StrCat(R"({"keys":[)", ec.Jwk(), ",", ec.Jwk(), "]}")),
            "key 1: kid \"e1\" is used by another ES256 key");
}

TEST(VerificationKeyTest, Hs256NeedsAKeyAsLongAsTheHash) {
  EXPECT_FALSE(VerificationKey::Hs256(std::string(31, 'k')).ok());
  absl::StatusOr<VerificationKey> key = VerificationKey::Hs256(std::string(32, 'k'));
  ASSERT_TRUE(key.ok());
  const TestKey same = TestKey::Hmac(std::string(32, 'k'));
  EXPECT_TRUE(key->Verifies("a.b", same.Sign("a.b")));
  EXPECT_FALSE(key->Verifies("a.b", same.Sign("a.c")));
  EXPECT_FALSE(key->Verifies("a.b", same.Sign("a.b").substr(0, 31)));
}

TEST(Base64UrlTest, DecodesOnlyTheCanonicalUnpaddedForm) {
  const std::string bytes("any bytes \xff\x00", 12);
  EXPECT_EQ(*DecodeBase64Url(EncodeBase64Url(bytes)), bytes);
  EXPECT_EQ(*DecodeBase64Url("QQ"), "A");
  EXPECT_EQ(*DecodeBase64Url(""), "");
  EXPECT_EQ(*DecodeBase64Url("-_-_"), "\xfb\xff\xbf");
  for (const char* bad : {"YQ==", "a+b/", "YW Jj", "YWJjZ", "YW\nJj", "QR", "QUJ", "QUF"}) {
    EXPECT_FALSE(DecodeBase64Url(bad).ok()) << bad;
  }
  // Of the 64 spellings "Q?" of one byte, only those with the 4 unused bits
  // zero (QA, QQ, Qg, Qw) are accepted.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string accepted;
  for (char last : alphabet) {
    if (DecodeBase64Url(std::string("Q") + last).ok()) accepted += last;
  }
  EXPECT_EQ(accepted, "AQgw");
}

}  // namespace
}  // namespace qs::auth
