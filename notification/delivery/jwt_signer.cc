#include "notification/delivery/jwt_signer.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "notification/delivery/json_object.h"

namespace qs::notification::delivery {
namespace {

constexpr int kEs256ScalarBytes = 32;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* pointer) const { Free(pointer); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using DigestContextPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

// OpenSSL's DER ECDSA-Sig-Value → JWS's fixed-width big-endian R||S.
absl::StatusOr<std::string> DerToRawEcdsa(const std::string& der) {
  const unsigned char* cursor = reinterpret_cast<const unsigned char*>(der.data());
  EcdsaSigPtr signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (signature == nullptr) return absl::InternalError("ES256: unreadable DER signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(signature.get(), &r, &s);
  std::string raw(2 * kEs256ScalarBytes, '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kEs256ScalarBytes) != kEs256ScalarBytes ||
      BN_bn2binpad(s, out + kEs256ScalarBytes, kEs256ScalarBytes) != kEs256ScalarBytes) {
    return absl::InternalError("ES256: signature scalar too long");
  }
  return raw;
}

}  // namespace

absl::StatusOr<SigningKey> SigningKey::FromPem(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::ResourceExhaustedError("out of memory reading a key");
  std::shared_ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr),
                                EVP_PKEY_free);
  if (key == nullptr) return absl::InvalidArgumentError("not a PEM private key");
  if (EVP_PKEY_is_a(key.get(), "RSA")) return SigningKey(std::move(key), JwtAlgorithm::kRs256);
  if (EVP_PKEY_is_a(key.get(), "EC")) {
    char group[64] = {0};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key.get(), "group", group, sizeof(group), &length) != 1 ||
        absl::string_view(group) != "prime256v1") {
      return absl::InvalidArgumentError("an EC key must be on P-256 (ES256)");
    }
    return SigningKey(std::move(key), JwtAlgorithm::kEs256);
  }
  return absl::InvalidArgumentError("the key is neither RSA nor EC");
}

absl::StatusOr<std::string> SignBytes(const SigningKey& key, absl::string_view data) {
  DigestContextPtr context(EVP_MD_CTX_new());
  if (context == nullptr ||
      EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.key()) != 1) {
    return absl::InternalError("cannot start signing");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t length = 0;
  if (EVP_DigestSign(context.get(), nullptr, &length, bytes, data.size()) != 1) {
    return absl::InternalError("cannot size the signature");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     bytes, data.size()) != 1) {
    return absl::InternalError("signing failed");
  }
  signature.resize(length);
  if (key.algorithm() == JwtAlgorithm::kEs256) return DerToRawEcdsa(signature);
  return signature;
}

std::string Base64Url(absl::string_view data) { return absl::WebSafeBase64Escape(data); }

absl::StatusOr<std::string> SignJwt(const SigningKey& key,
                                    const std::map<std::string, std::string>& extra_header,
                                    const google::protobuf::Struct& claims) {
  google::protobuf::Struct header;
  SetString(header, "alg", key.algorithm() == JwtAlgorithm::kRs256 ? "RS256" : "ES256");
  SetString(header, "typ", "JWT");
  for (const auto& [name, value] : extra_header) SetString(header, name, value);
  std::string signing_input =
      absl::StrCat(Base64Url(ToJson(header)), ".", Base64Url(ToJson(claims)));
  absl::StatusOr<std::string> signature = SignBytes(key, signing_input);
  if (!signature.ok()) return signature.status();
  return absl::StrCat(signing_input, ".", Base64Url(*signature));
}

}  // namespace qs::notification::delivery
