#include "tests/notification/delivery/test_keys.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

namespace qs::notification::delivery::testing {
namespace {

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

TestKeyPair Export(EVP_PKEY* key) {
  TestKeyPair pair;
  BIO* private_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PKCS8PrivateKey(private_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  pair.private_pem = BioText(private_bio);
  BIO_free(private_bio);
  BIO* public_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(public_bio, key);
  pair.public_pem = BioText(public_bio);
  BIO_free(public_bio);
  EVP_PKEY_free(key);
  return pair;
}

}  // namespace

TestKeyPair GenerateRsaKey() { return Export(EVP_RSA_gen(2048)); }

TestKeyPair GenerateP256Key() { return Export(EVP_EC_gen("P-256")); }

bool VerifyJwsSignature(const std::string& public_pem, bool es256, const std::string& data,
                        const std::string& signature) {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return false;
  std::string der = signature;
  if (es256) {
    // Raw R||S back to the DER form OpenSSL verifies.
    if (signature.size() != 64) {
      EVP_PKEY_free(key);
      return false;
    }
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
    unsigned char* out = nullptr;
    int length = i2d_ECDSA_SIG(sig, &out);
    der.assign(reinterpret_cast<char*>(out), static_cast<size_t>(length));
    OPENSSL_free(out);
    ECDSA_SIG_free(sig);
  }
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  bool ok =
      EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(context);
  EVP_PKEY_free(key);
  return ok;
}

}  // namespace qs::notification::delivery::testing
