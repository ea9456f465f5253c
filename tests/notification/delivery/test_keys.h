// Private keys generated at test time (no key is committed): an RSA key as a
// service account has, a P-256 key as an APNs .p8 file holds.
#ifndef QS_TESTS_NOTIFICATION_DELIVERY_TEST_KEYS_H_
#define QS_TESTS_NOTIFICATION_DELIVERY_TEST_KEYS_H_

#include <string>

namespace qs::notification::delivery::testing {

struct TestKeyPair {
  std::string private_pem;  // PKCS#8
  std::string public_pem;   // SubjectPublicKeyInfo
};

TestKeyPair GenerateRsaKey();
TestKeyPair GenerateP256Key();

// True when `signature` (JWS form: PKCS#1 for RS256, raw R||S for ES256)
// verifies over `data` with the public key, checked by OpenSSL alone.
bool VerifyJwsSignature(const std::string& public_pem, bool es256, const std::string& data,
                        const std::string& signature);

}  // namespace qs::notification::delivery::testing

#endif  // QS_TESTS_NOTIFICATION_DELIVERY_TEST_KEYS_H_
