#include "common/auth/jwks.h"

#include <optional>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/auth/base64url.h"
#include "common/json/json_object.h"

namespace qs::auth {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// The decoded base64url member `name` of a JWK.
absl::StatusOr<std::string> Member(const Struct& jwk, const char* name) {
  std::optional<std::string> encoded = json::StringField(jwk, name);
  if (!encoded) return absl::InvalidArgumentError(absl::StrCat("no \"", name, "\""));
  absl::StatusOr<std::string> decoded = DecodeBase64Url(*encoded);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is ", decoded.status().message()));
  }
  return decoded;
}

// The key of one JWK; nullopt for a key this server does not use.
absl::StatusOr<std::optional<VerificationKey>> KeyOf(const Struct& jwk) {
  const std::string kty = json::StringField(jwk, "kty").value_or("");
  const std::string kid = json::StringField(jwk, "kid").value_or("");
  const std::optional<std::string> use = json::StringField(jwk, "use");
  const std::optional<std::string> alg = json::StringField(jwk, "alg");
  if (use && *use != "sig") return std::nullopt;
  if (kty == "RSA") {
    if (alg && *alg != "RS256") return std::nullopt;
    absl::StatusOr<std::string> n = Member(jwk, "n");
    if (!n.ok()) return n.status();
    absl::StatusOr<std::string> e = Member(jwk, "e");
    if (!e.ok()) return e.status();
    absl::StatusOr<VerificationKey> key = VerificationKey::Rs256(kid, *n, *e);
    if (!key.ok()) return key.status();
    return std::optional<VerificationKey>(*std::move(key));
  }
  if (kty == "EC") {
    if (json::StringField(jwk, "crv").value_or("") != "P-256") return std::nullopt;
    if (alg && *alg != "ES256") return std::nullopt;
    absl::StatusOr<std::string> x = Member(jwk, "x");
    if (!x.ok()) return x.status();
    absl::StatusOr<std::string> y = Member(jwk, "y");
    if (!y.ok()) return y.status();
    absl::StatusOr<VerificationKey> key = VerificationKey::Es256(kid, *x, *y);
    if (!key.ok()) return key.status();
    return std::optional<VerificationKey>(*std::move(key));
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::vector<VerificationKey>> ParseJwks(absl::string_view json) {
  absl::StatusOr<Struct> set = json::ParseJsonObject(json);
  if (!set.ok()) return absl::InvalidArgumentError("the key set is not a JSON object");
  const google::protobuf::ListValue* listed = json::ListField(*set, "keys");
  if (listed == nullptr) return absl::InvalidArgumentError("the key set has no \"keys\" list");
  std::vector<VerificationKey> keys;
  std::set<std::pair<JwsAlgorithm, std::string>> ids;
  for (int i = 0; i < listed->values_size(); ++i) {
    const Value& entry = listed->values(i);
    if (entry.kind_case() != Value::kStructValue) {
      return absl::InvalidArgumentError(absl::StrCat("key ", i, " is not a JSON object"));
    }
    absl::StatusOr<std::optional<VerificationKey>> key = KeyOf(entry.struct_value());
    const std::string kid = json::StringField(entry.struct_value(), "kid").value_or("");
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("key ", i, " (kid \"", kid, "\"): ", key.status().message()));
    }
    if (!key->has_value()) continue;
    if (!ids.emplace((*key)->algorithm(), kid).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("key ", i, ": kid \"", kid, "\" is used by another ",
                       JwsAlgorithmName((*key)->algorithm()), " key"));
    }
    keys.push_back(**std::move(key));
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(
        "the key set has no usable key (RSA for RS256, EC P-256 for ES256)");
  }
  return keys;
}

}  // namespace qs::auth
