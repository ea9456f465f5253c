// Keys and JWTs a test makes itself with OpenSSL 3 (no fixed test vectors):
// an RSA 2048 or P-256 key pair, or an HMAC secret, its JWK, and tokens
// signed with it, or with anything else a test needs to forge.
//
//   TestKey rsa = TestKey::Rsa("rsa-1");
//   WriteFile(path, JwksOf({&rsa}));
//   TestClaims claims;                       // iss, aud, sub, exp a minute ahead
//   std::string token = rsa.Token(claims.Json());
#ifndef QS_TESTS_COMMON_AUTH_TEST_TOKENS_H_
#define QS_TESTS_COMMON_AUTH_TEST_TOKENS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace qs::testing {

class TestKey {
 public:
  static TestKey Rsa(std::string kid, int bits = 2048);
  static TestKey Ec(std::string kid);
  static TestKey Hmac(std::string secret);

  // "RS256", "ES256" or "HS256".
  const std::string& alg() const { return alg_; }
  const std::string& kid() const { return kid_; }

  // The public JWK (a JSON object's text); RSA and EC keys only.
  std::string Jwk() const;
  // The public key as PEM (SubjectPublicKeyInfo): what an alg-confusion
  // attacker uses as an HMAC secret.
  std::string PublicKeyPem() const;

  // The JWS signature of `input` in JOSE form (ES256: raw R||S).
  std::string Sign(absl::string_view input) const;

  // A compact JWT: header {"alg": alg(), "typ": "JWT", "kid": kid()} (no
  // kid when empty) with `claims_json`, signed with this key.
  std::string Token(absl::string_view claims_json) const;
  // Same with a header of the test's choosing.
  std::string TokenWithHeader(absl::string_view header_json, absl::string_view claims_json) const;

 private:
  std::string alg_;
  std::string kid_;
  std::shared_ptr<EVP_PKEY> key_;
  std::string secret_;
};

// {"keys": [each key's JWK]}.
std::string JwksOf(const std::vector<const TestKey*>& keys);

// base64url(header) "." base64url(claims) "." base64url(signature).
std::string CompactJwt(absl::string_view header_json, absl::string_view claims_json,
                       absl::string_view signature);

// The claims of a test token; Json() leaves out what is unset.
struct TestClaims {
  std::string iss = "https://id.test";
  std::string aud = "quest";
  std::optional<std::string> sub = "2f1b6a38-54a4-4d8e-9a4b-6f0f1e2d3c4b";
  std::optional<absl::Time> exp = absl::Now() + absl::Minutes(5);
  std::optional<absl::Time> nbf;
  std::string Json() const;
};

}  // namespace qs::testing

#endif  // QS_TESTS_COMMON_AUTH_TEST_TOKENS_H_
