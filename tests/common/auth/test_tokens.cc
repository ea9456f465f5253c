#include "tests/common/auth/test_tokens.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/auth/base64url.h"

namespace qs::testing {
namespace {

[[noreturn]] void Die(const char* what) {
  std::cerr << "test_tokens: " << what << " failed\n";
  std::abort();
}

std::string BigNumberParam(EVP_PKEY* key, const char* name, int pad_to = 0) {
  BIGNUM* number = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &number) != 1) Die(name);
  std::string bytes(pad_to > 0 ? pad_to : BN_num_bytes(number), '\0');
  BN_bn2binpad(number, reinterpret_cast<unsigned char*>(bytes.data()),
               static_cast<int>(bytes.size()));
  BN_free(number);
  return bytes;
}

std::string Seconds(absl::Time time) { return absl::StrCat(absl::ToUnixSeconds(time)); }

}  // namespace

TestKey TestKey::Rsa(std::string kid, int bits) {
  TestKey key;
  key.alg_ = "RS256";
  key.kid_ = std::move(kid);
  EVP_PKEY* made = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (made == nullptr) Die("RSA keygen");
  key.key_.reset(made, EVP_PKEY_free);
  return key;
}

TestKey TestKey::Ec(std::string kid) {
  TestKey key;
  key.alg_ = "ES256";
  key.kid_ = std::move(kid);
  EVP_PKEY* made = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (made == nullptr) Die("EC keygen");
  key.key_.reset(made, EVP_PKEY_free);
  return key;
}

TestKey TestKey::Hmac(std::string secret) {
  TestKey key;
  key.alg_ = "HS256";
  key.secret_ = std::move(secret);
  return key;
}

std::string TestKey::Jwk() const {
  using auth::EncodeBase64Url;
  if (alg_ == "RS256") {
    return absl::StrCat(
        R"({"kty":"RSA","use":"sig","kid":")", kid_, R"(","n":")",
        EncodeBase64Url(BigNumberParam(key_.get(), OSSL_PKEY_PARAM_RSA_N)), R"(","e":")",
        EncodeBase64Url(BigNumberParam(key_.get(), OSSL_PKEY_PARAM_RSA_E)), R"("})");
  }
  return absl::StrCat(
      R"({"kty":"EC","crv":"P-256","kid":")", kid_, R"(","x":")",
      EncodeBase64Url(BigNumberParam(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32)), R"(","y":")",
      EncodeBase64Url(BigNumberParam(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32)), R"("})");
}

std::string TestKey::PublicKeyPem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PUBKEY(bio, key_.get()) != 1) Die("PEM_write_bio_PUBKEY");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

std::string TestKey::Sign(absl::string_view input) const {
  const auto* bytes = reinterpret_cast<const unsigned char*>(input.data());
  if (alg_ == "HS256") {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), bytes, input.size(), mac,
         &size);
    return std::string(reinterpret_cast<const char*>(mac), size);
  }
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  size_t size = 0;
  if (EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(context, nullptr, &size, bytes, input.size()) != 1) {
    Die("EVP_DigestSign");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &size, bytes,
                     input.size()) != 1) {
    Die("EVP_DigestSign");
  }
  EVP_MD_CTX_free(context);
  signature.resize(size);
  if (alg_ == "RS256") return signature;
  // DER ECDSA-Sig-Value → JOSE's 32-byte R || 32-byte S.
  const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
  ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size()));
  if (parsed == nullptr) Die("d2i_ECDSA_SIG");
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(parsed), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(parsed), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(parsed);
  return raw;
}

std::string TestKey::Token(absl::string_view claims_json) const {
  const std::string header =
      kid_.empty() ? absl::StrCat(R"({"alg":")", alg_, R"(","typ":"JWT"})")
                   : absl::StrCat(R"({"alg":")", alg_, R"(","typ":"JWT","kid":")", kid_, R"("})");
  return TokenWithHeader(header, claims_json);
}

std::string TestKey::TokenWithHeader(absl::string_view header_json,
                                     absl::string_view claims_json) const {
  const std::string input =
      absl::StrCat(auth::EncodeBase64Url(header_json), ".", auth::EncodeBase64Url(claims_json));
  return absl::StrCat(input, ".", auth::EncodeBase64Url(Sign(input)));
}

std::string JwksOf(const std::vector<const TestKey*>& keys) {
  std::vector<std::string> jwks;
  for (const TestKey* key : keys) jwks.push_back(key->Jwk());
  return absl::StrCat(R"({"keys":[)", absl::StrJoin(jwks, ","), "]}");
}

std::string CompactJwt(absl::string_view header_json, absl::string_view claims_json,
                       absl::string_view signature) {
  return absl::StrCat(auth::EncodeBase64Url(header_json), ".", auth::EncodeBase64Url(claims_json),
                      ".", auth::EncodeBase64Url(signature));
}

std::string TestClaims::Json() const {
  std::vector<std::string> fields = {absl::StrCat(R"("iss":")", iss, R"(")"),
                                     absl::StrCat(R"("aud":")", aud, R"(")")};
  if (sub) fields.push_back(absl::StrCat(R"("sub":")", *sub, R"(")"));
  if (exp) fields.push_back(absl::StrCat(R"("exp":)", Seconds(*exp)));
  if (nbf) fields.push_back(absl::StrCat(R"("nbf":)", Seconds(*nbf)));
  return absl::StrCat("{", absl::StrJoin(fields, ","), "}");
}

}  // namespace qs::testing
