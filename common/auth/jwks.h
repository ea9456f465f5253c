// A JSON Web Key Set (RFC 7517 section 5), as an identity provider
// publishes it at its jwks_uri, read into verification keys:
//
//   {"keys": [{"kty": "RSA", "kid": "2026-11", "n": "...", "e": "AQAB"},
//             {"kty": "EC", "crv": "P-256", "kid": "ec-1", "x": "...", "y": "..."}]}
//
//   QS_ASSIGN_OR_RETURN(std::vector<VerificationKey> keys, ParseJwks(file_text));
//
// RSA keys verify RS256, P-256 keys ES256. Keys this server cannot use are
// skipped, as a provider's set often holds some: "use" other than "sig",
// other key types (oct, OKP) or curves, and an "alg" other than the one the
// key type implies. A usable key that is malformed is an error, as is a set
// with no usable key or two keys of one algorithm with the same kid.
#ifndef QS_COMMON_AUTH_JWKS_H_
#define QS_COMMON_AUTH_JWKS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/auth/verification_key.h"

namespace qs::auth {

// INVALID_ARGUMENT saying which key (by position and kid) and why.
absl::StatusOr<std::vector<VerificationKey>> ParseJwks(absl::string_view json);

}  // namespace qs::auth

#endif  // QS_COMMON_AUTH_JWKS_H_
