// Signed JSON Web Tokens for the providers' credentials (OpenSSL 3 EVP):
// RS256 for the FCM service-account assertion, ES256 for the APNs provider
// token. No JWT library: a JWT is base64url(header).base64url(claims).sig.
//
//   QS_ASSIGN_OR_RETURN(SigningKey key, SigningKey::FromPem(pem_text));
//   google::protobuf::Struct claims;
//   SetString(claims, "iss", team_id);
//   SetNumber(claims, "iat", absl::ToUnixSeconds(now));
//   QS_ASSIGN_OR_RETURN(std::string jwt, SignJwt(key, {{"kid", key_id}}, claims));
#ifndef QS_NOTIFICATION_DELIVERY_JWT_SIGNER_H_
#define QS_NOTIFICATION_DELIVERY_JWT_SIGNER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace qs::notification::delivery {

enum class JwtAlgorithm {
  kRs256,  // RSASSA-PKCS1-v1_5 with SHA-256 (an RSA key)
  kEs256,  // ECDSA P-256 with SHA-256 (an EC key), signature as raw R||S
};

// A private key (PEM: PKCS#8 "PRIVATE KEY" as in a .p8 file or a service
// account's private_key, or "RSA/EC PRIVATE KEY"). Immutable, thread-safe to
// share. The key material is never logged or echoed in errors.
class SigningKey {
 public:
  // INVALID_ARGUMENT when `pem` holds no RSA or P-256 EC private key.
  static absl::StatusOr<SigningKey> FromPem(absl::string_view pem);

  // kRs256 for an RSA key, kEs256 for a P-256 key.
  JwtAlgorithm algorithm() const { return algorithm_; }
  EVP_PKEY* key() const { return key_.get(); }

 private:
  SigningKey(std::shared_ptr<EVP_PKEY> key, JwtAlgorithm algorithm)
      : key_(std::move(key)), algorithm_(algorithm) {}
  std::shared_ptr<EVP_PKEY> key_;
  JwtAlgorithm algorithm_;
};

// Signs `data` with the key's algorithm: RS256 → the PKCS#1 v1.5 signature;
// ES256 → 64 bytes R||S (JWS, RFC 7518 3.4), converted from OpenSSL's DER.
absl::StatusOr<std::string> SignBytes(const SigningKey& key, absl::string_view data);

// A compact JWT: header {"alg", "typ": "JWT"} plus `extra_header` (e.g.
// "kid"), the given claims, signed by `key`.
absl::StatusOr<std::string> SignJwt(const SigningKey& key,
                                    const std::map<std::string, std::string>& extra_header,
                                    const google::protobuf::Struct& claims);

// Base64url without padding (RFC 7515 section 2).
std::string Base64Url(absl::string_view data);

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_JWT_SIGNER_H_
