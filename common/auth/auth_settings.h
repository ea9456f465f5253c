// How a service learns who calls it, read from the environment once at
// start-up (common/service/service_main.cc):
//
//   absl::StatusOr<AuthSettings> auth = LoadAuthSettings(env);
//
// | variable            | default | meaning                                     |
// |---------------------|---------|---------------------------------------------|
// | AUTH_MODE           | header  | header: trust `x-user-id` (a private mesh   |
// |                     |         | with mTLS); jwt: verify `authorization:     |
// |                     |         | Bearer <JWT>`, x-user-id is ignored         |
// | AUTH_JWKS_FILE      | (jwt)   | JWKS file: RSA keys (RS256), EC P-256 keys  |
// |                     |         | (ES256), matched by the token's kid         |
// | AUTH_HS256_KEY_FILE | (jwt)   | shared HS256 secret, >= 32 bytes (one       |
// |                     |         | trailing newline ignored); secret           |
// | AUTH_ISSUER         | (jwt)   | required: the tokens' `iss`                 |
// | AUTH_AUDIENCE       | (jwt)   | required: must be in the tokens' `aud`      |
// | AUTH_CLOCK_SKEW_MS  | 60000   | leeway on exp / nbf; 0..600000              |
// | AUTH_USER_CLAIM     | sub     | claim holding the user id (a UUID)          |
//
// jwt mode needs AUTH_JWKS_FILE or AUTH_HS256_KEY_FILE (or both); a key file
// that cannot be read or parsed stops start-up naming the variable. The jwt
// settings given in header mode also stop start-up: the operator would
// believe tokens were checked.
#ifndef QS_COMMON_AUTH_AUTH_SETTINGS_H_
#define QS_COMMON_AUTH_AUTH_SETTINGS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/auth/jwt_verifier.h"
#include "common/config/env.h"

namespace qs::auth {

enum class AuthMode { kHeader, kJwt };

struct AuthSettings {
  AuthMode mode = AuthMode::kHeader;
  // Set in jwt mode, with the keys of the files and the rules.
  std::shared_ptr<const JwtVerifier> verifier;
};

// INVALID_ARGUMENT naming the variable (never a key's bytes).
absl::StatusOr<AuthSettings> LoadAuthSettings(const config::EnvLookup& env);

}  // namespace qs::auth

#endif  // QS_COMMON_AUTH_AUTH_SETTINGS_H_
