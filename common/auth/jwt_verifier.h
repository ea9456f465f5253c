// Verification of a bearer JWT (RFC 7519, compact JWS) into the acting user:
// signature first (against the configured keys, the header's "alg" bound to
// the key's algorithm), then the claims (iss, aud, exp, nbf, the user claim).
//
//   JwtVerifier verifier(keys, {.issuer = "https://id.example.com",
//                               .audience = "quest", .clock_skew = absl::Seconds(60),
//                               .user_claim = "sub"});
//   absl::StatusOr<std::string> user = verifier.VerifiedUser(token, absl::Now());
//
// Every failure is UNAUTHENTICATED with a reason a client developer can act
// on ("bearer token expired 42 s ago"); no message contains the token or any
// of its parts. Garbage of any kind is a status, never a crash. Immutable;
// thread-safe.
#ifndef QS_COMMON_AUTH_JWT_VERIFIER_H_
#define QS_COMMON_AUTH_JWT_VERIFIER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/verification_key.h"

namespace qs::auth {

struct JwtRules {
  std::string issuer;    // "iss" must equal it.
  std::string audience;  // "aud" (a string or a list of strings) must hold it.
  // Leeway for the issuer's clock: valid until exp + skew, from nbf - skew.
  absl::Duration clock_skew = absl::Seconds(60);
  // The claim naming the user; its value must be a UUID (lower-cased).
  std::string user_claim = "sub";
};

// Longer tokens are refused before any decoding.
inline constexpr size_t kMaxTokenBytes = 8192;

class JwtVerifier {
 public:
  // `keys`: at most one HS256 key; the JWKS keys each with their kid.
  JwtVerifier(std::vector<VerificationKey> keys, JwtRules rules);

  // The user id of a valid token, lower-cased.
  absl::StatusOr<std::string> VerifiedUser(absl::string_view token, absl::Time now) const;

  // The algorithms some key verifies, e.g. "RS256, ES256" (for messages).
  const std::string& accepted_algorithms() const { return accepted_algorithms_; }

 private:
  // The key for the header's alg and kid, or why there is none.
  absl::StatusOr<const VerificationKey*> KeyFor(JwsAlgorithm algorithm,
                                                absl::string_view kid) const;
  absl::Status CheckClaims(absl::string_view claims_json, absl::Time now, std::string& user) const;

  std::vector<VerificationKey> keys_;
  JwtRules rules_;
  std::string accepted_algorithms_;
};

}  // namespace qs::auth

#endif  // QS_COMMON_AUTH_JWT_VERIFIER_H_
