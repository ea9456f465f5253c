// A key that verifies JWS signatures (RFC 7515) of exactly one algorithm:
// an RSA public key verifies RS256, a P-256 public key ES256, a shared
// secret HS256. Binding the algorithm to the key, not to the token's header,
// is what defeats algorithm confusion: a token saying "HS256" is never
// checked against an RSA key's bytes used as an HMAC secret.
//
//   QS_ASSIGN_OR_RETURN(VerificationKey key, VerificationKey::Hs256(secret));
//   if (!key.Verifies(signing_input, signature)) return Unauthenticated(...);
//
// Immutable once built; copies share the OpenSSL key; thread-safe.
#ifndef QS_COMMON_AUTH_VERIFICATION_KEY_H_
#define QS_COMMON_AUTH_VERIFICATION_KEY_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace qs::auth {

enum class JwsAlgorithm {
  kRs256,  // RSASSA-PKCS1-v1_5 with SHA-256
  kEs256,  // ECDSA P-256 with SHA-256, the signature as 64 bytes R||S
  kHs256,  // HMAC-SHA-256
};

// "RS256", "ES256", "HS256"; nullopt for any other name ("none" included).
std::optional<JwsAlgorithm> JwsAlgorithmNamed(absl::string_view name);
const char* JwsAlgorithmName(JwsAlgorithm algorithm);

// Shortest accepted keys: RFC 7518 3.2 (HMAC key at least the hash size)
// and 3.3 (RSA at least 2048 bits).
inline constexpr size_t kMinHs256KeyBytes = 32;
inline constexpr int kMinRsaKeyBits = 2048;

class VerificationKey {
 public:
  // From the big-endian modulus and exponent of a JWK (kty RSA).
  static absl::StatusOr<VerificationKey> Rs256(std::string kid, absl::string_view modulus,
                                               absl::string_view exponent);
  // From the 32-byte big-endian coordinates of a JWK (kty EC, crv P-256);
  // a point not on the curve is refused.
  static absl::StatusOr<VerificationKey> Es256(std::string kid, absl::string_view x,
                                               absl::string_view y);
  // A shared secret of at least kMinHs256KeyBytes.
  static absl::StatusOr<VerificationKey> Hs256(std::string secret);

  JwsAlgorithm algorithm() const { return algorithm_; }
  // The JWK's key id ("" for the HS256 key, which has none).
  const std::string& kid() const { return kid_; }

  // Whether `signature` is this key's signature of `signing_input`
  // (base64url(header) "." base64url(claims)). Never throws; leaves
  // OpenSSL's error queue empty. HS256 compares in constant time.
  bool Verifies(absl::string_view signing_input, absl::string_view signature) const;

 private:
  VerificationKey(JwsAlgorithm algorithm, std::string kid, std::shared_ptr<EVP_PKEY> public_key,
                  std::string secret)
      : algorithm_(algorithm),
        kid_(std::move(kid)),
        public_key_(std::move(public_key)),
        secret_(std::move(secret)) {}

  JwsAlgorithm algorithm_;
  std::string kid_;
  std::shared_ptr<EVP_PKEY> public_key_;  // RS256, ES256
  std::string secret_;                    // HS256
};

}  // namespace qs::auth

#endif  // QS_COMMON_AUTH_VERIFICATION_KEY_H_
