#include "common/auth/verification_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace qs::auth {
namespace {

struct BnFree {
  void operator()(BIGNUM* n) const { BN_free(n); }
};
struct ParamBuildFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

const unsigned char* Bytes(absl::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::unique_ptr<BIGNUM, BnFree> BigNumber(absl::string_view big_endian) {
  return std::unique_ptr<BIGNUM, BnFree>(
      BN_bin2bn(Bytes(big_endian), static_cast<int>(big_endian.size()), nullptr));
}

// A public key from OpenSSL 3 parameters (EVP_PKEY_fromdata), or null.
std::shared_ptr<EVP_PKEY> PublicKeyFrom(const char* type, OSSL_PARAM* params) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> context(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (context == nullptr || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// Whether OpenSSL's public key check (EVP_PKEY_public_check) passes.
bool PublicKeyChecks(EVP_PKEY* key) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(EVP_PKEY_CTX_new(key, nullptr));
  const bool passed = check != nullptr && EVP_PKEY_public_check(check.get()) == 1;
  ERR_clear_error();
  return passed;
}

// JOSE's 64-byte R||S as the DER ECDSA-Sig-Value OpenSSL verifies; empty
// when the size is wrong.
std::string EcdsaDer(absl::string_view raw) {
  if (raw.size() != 64) return "";
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> signature(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(Bytes(raw), 32, nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw) + 32, 32, nullptr);
  if (signature == nullptr || r == nullptr || s == nullptr ||
      ECDSA_SIG_set0(signature.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return "";
  }
  unsigned char* der = nullptr;
  const int size = i2d_ECDSA_SIG(signature.get(), &der);
  if (size <= 0) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(size));
  OPENSSL_free(der);
  return out;
}

bool DigestVerifies(EVP_PKEY* key, absl::string_view data, absl::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> context(EVP_MD_CTX_new());
  const bool verified =
      context != nullptr &&
      EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(context.get(), Bytes(signature), signature.size(), Bytes(data),
                       data.size()) == 1;
  // A refused signature leaves its reason queued on this thread; the next
  // OpenSSL user (TLS, libpq) must not find it.
  ERR_clear_error();
  return verified;
}

}  // namespace

std::optional<JwsAlgorithm> JwsAlgorithmNamed(absl::string_view name) {
  if (name == "RS256") return JwsAlgorithm::kRs256;
  if (name == "ES256") return JwsAlgorithm::kEs256;
  if (name == "HS256") return JwsAlgorithm::kHs256;
  return std::nullopt;
}

const char* JwsAlgorithmName(JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::kRs256:
      return "RS256";
    case JwsAlgorithm::kEs256:
      return "ES256";
    case JwsAlgorithm::kHs256:
      return "HS256";
  }
  return "?";
}

absl::StatusOr<VerificationKey> VerificationKey::Rs256(std::string kid, absl::string_view modulus,
                                                       absl::string_view exponent) {
  std::unique_ptr<BIGNUM, BnFree> n = BigNumber(modulus);
  std::unique_ptr<BIGNUM, BnFree> e = BigNumber(exponent);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBuildFree> build(OSSL_PARAM_BLD_new());
  if (n == nullptr || e == nullptr || build == nullptr ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("an RSA key's n or e cannot be read");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(build.get()));
  std::shared_ptr<EVP_PKEY> key = params ? PublicKeyFrom("RSA", params.get()) : nullptr;
  if (key == nullptr) return absl::InvalidArgumentError("not a valid RSA public key");
  if (EVP_PKEY_get_bits(key.get()) < kMinRsaKeyBits) {
    return absl::InvalidArgumentError(absl::StrCat("an RSA key of ", EVP_PKEY_get_bits(key.get()),
                                                   " bits (at least ", kMinRsaKeyBits, " needed)"));
  }
  // OpenSSL's SP 800-56B public check: e odd and > 1, n odd, composite and
  // free of small factors. EVP_PKEY_fromdata takes e = 1 (a "signature" that
  // is the padded digest itself verifies under it) without complaint.
  if (!PublicKeyChecks(key.get())) {
    return absl::InvalidArgumentError("not a valid RSA public key (the public key check fails)");
  }
  return VerificationKey(JwsAlgorithm::kRs256, std::move(kid), std::move(key), "");
}

absl::StatusOr<VerificationKey> VerificationKey::Es256(std::string kid, absl::string_view x,
                                                       absl::string_view y) {
  if (x.size() != 32 || y.size() != 32) {
    return absl::InvalidArgumentError("a P-256 key's x and y must be 32 bytes each");
  }
  // The uncompressed point encoding (SEC 1 2.3.3): 0x04 || x || y.
  std::string point = absl::StrCat("\x04", x, y);
  char group[] = "prime256v1";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  std::shared_ptr<EVP_PKEY> key = PublicKeyFrom("EC", params);
  if (key == nullptr || !PublicKeyChecks(key.get())) {
    return absl::InvalidArgumentError("not a point on P-256");
  }
  return VerificationKey(JwsAlgorithm::kEs256, std::move(kid), std::move(key), "");
}

absl::StatusOr<VerificationKey> VerificationKey::Hs256(std::string secret) {
  if (secret.size() < kMinHs256KeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "an HS256 key of ", secret.size(), " bytes (at least ", kMinHs256KeyBytes, " needed)"));
  }
  return VerificationKey(JwsAlgorithm::kHs256, "", nullptr, std::move(secret));
}

bool VerificationKey::Verifies(absl::string_view signing_input, absl::string_view signature) const {
  switch (algorithm_) {
    case JwsAlgorithm::kRs256:
      return DigestVerifies(public_key_.get(), signing_input, signature);
    case JwsAlgorithm::kEs256: {
      const std::string der = EcdsaDer(signature);
      ERR_clear_error();
      return !der.empty() && DigestVerifies(public_key_.get(), signing_input, der);
    }
    case JwsAlgorithm::kHs256: {
      unsigned char mac[EVP_MAX_MD_SIZE];
      unsigned int mac_size = 0;
      if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), Bytes(signing_input),
               signing_input.size(), mac, &mac_size) == nullptr) {
        ERR_clear_error();
        return false;
      }
      // The size is public (always 32); the bytes are compared in constant
      // time so that timing tells nothing of how much of a forgery was right.
      return signature.size() == mac_size && CRYPTO_memcmp(mac, signature.data(), mac_size) == 0;
    }
  }
  return false;
}

}  // namespace qs::auth
