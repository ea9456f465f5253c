#include "common/auth/jwt_verifier.h"

#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/api/uuid.h"
#include "common/auth/base64url.h"
#include "common/json/json_object.h"

namespace qs::auth {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

absl::Status Refused(absl::string_view reason) {
  return absl::UnauthenticatedError(absl::StrCat("bearer token ", reason));
}

// A decoded part parsed as a JSON object, or why not (`part` names it).
absl::StatusOr<Struct> JsonPart(absl::string_view encoded, absl::string_view part) {
  absl::StatusOr<std::string> decoded = DecodeBase64Url(encoded);
  if (!decoded.ok()) {
    return Refused(absl::StrCat("is malformed: its ", part, " is ", decoded.status().message()));
  }
  absl::StatusOr<Struct> object = json::ParseJsonObject(*decoded);
  if (!object.ok()) {
    return Refused(absl::StrCat("is malformed: its ", part, " is not a JSON object"));
  }
  return object;
}

bool AudienceHolds(const Struct& claims, absl::string_view audience) {
  if (std::optional<std::string> single = json::StringField(claims, "aud")) {
    return *single == audience;
  }
  if (const google::protobuf::ListValue* list = json::ListField(claims, "aud")) {
    for (const Value& value : list->values()) {
      if (value.kind_case() == Value::kStringValue && value.string_value() == audience) {
        return true;
      }
    }
  }
  return false;
}

// A NumericDate claim (seconds since the epoch, RFC 7519 2) as a time.
std::optional<absl::Time> TimeClaim(const Struct& claims, const char* name) {
  std::optional<double> seconds = json::NumberField(claims, name);
  if (!seconds || !std::isfinite(*seconds)) return std::nullopt;
  return absl::FromUnixMicros(
      static_cast<int64_t>(std::fmax(std::fmin(*seconds, 1e12), -1e12) * 1e6));
}

std::string Seconds(absl::Duration duration) {
  return absl::StrCat(absl::ToInt64Seconds(absl::Ceil(duration, absl::Seconds(1))), " s");
}

}  // namespace

JwtVerifier::JwtVerifier(std::vector<VerificationKey> keys, JwtRules rules)
    : keys_(std::move(keys)), rules_(std::move(rules)) {
  std::vector<std::string> names;
  for (JwsAlgorithm algorithm :
       {JwsAlgorithm::kRs256, JwsAlgorithm::kEs256, JwsAlgorithm::kHs256}) {
    for (const VerificationKey& key : keys_) {
      if (key.algorithm() == algorithm) {
        names.push_back(JwsAlgorithmName(algorithm));
        break;
      }
    }
  }
  accepted_algorithms_ = absl::StrJoin(names, ", ");
}

absl::StatusOr<const VerificationKey*> JwtVerifier::KeyFor(JwsAlgorithm algorithm,
                                                           absl::string_view kid) const {
  std::vector<const VerificationKey*> candidates;
  for (const VerificationKey& key : keys_) {
    if (key.algorithm() == algorithm) candidates.push_back(&key);
  }
  if (candidates.empty()) {
    return Refused(absl::StrCat("alg ", JwsAlgorithmName(algorithm),
                                " is not accepted here (accepted: ", accepted_algorithms_, ")"));
  }
  for (const VerificationKey* key : candidates) {
    if (!kid.empty() && key->kid() == kid) return key;
  }
  // No kid, or one no key has: only a single key without a choice to make
  // may answer — the HS256 key (it has no kid), or the one key of its kind.
  for (const VerificationKey* key : candidates) {
    if (key->kid().empty()) return key;
  }
  if (kid.empty() && candidates.size() == 1) return candidates.front();
  if (kid.empty()) {
    return Refused(absl::StrCat("has no kid and ", candidates.size(), " ",
                                JwsAlgorithmName(algorithm), " keys are configured"));
  }
  return Refused("names a kid no configured key has (unknown key)");
}

absl::StatusOr<std::string> JwtVerifier::VerifiedUser(absl::string_view token,
                                                      absl::Time now) const {
  if (token.empty()) return Refused("is empty");
  if (token.size() > kMaxTokenBytes) {
    return Refused(absl::StrCat("is longer than ", kMaxTokenBytes, " bytes"));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Refused(absl::StrCat("is malformed: ", parts.size(),
                                " dot-separated parts instead of 3 (header.claims.signature)"));
  }
  absl::StatusOr<Struct> header = JsonPart(parts[0], "header");
  if (!header.ok()) return header.status();
  std::optional<std::string> alg_name = json::StringField(*header, "alg");
  if (!alg_name) return Refused("header has no alg");
  if (absl::AsciiStrToLower(*alg_name) == "none") {
    return Refused("is unsigned (alg none is never accepted)");
  }
  std::optional<JwsAlgorithm> algorithm = JwsAlgorithmNamed(*alg_name);
  if (!algorithm) {
    return Refused(
        absl::StrCat("alg is not one accepted here (accepted: ", accepted_algorithms_, ")"));
  }
  // RFC 7515 4.1.11: a recipient that does not understand every extension
  // `crit` lists must refuse the token; this server implements none.
  if (header->fields().count("crit") != 0) {
    return Refused("header has crit (critical extensions this server does not implement)");
  }
  absl::StatusOr<const VerificationKey*> key =
      KeyFor(*algorithm, json::StringField(*header, "kid").value_or(""));
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> signature = DecodeBase64Url(parts[2]);
  if (!signature.ok()) {
    return Refused(absl::StrCat("is malformed: its signature is ", signature.status().message()));
  }
  const absl::string_view signing_input(parts[0].data(), parts[0].size() + 1 + parts[1].size());
  if (!(*key)->Verifies(signing_input, *signature)) {
    return Refused("signature does not verify (signed by another key, or altered)");
  }
  std::string user;
  absl::StatusOr<std::string> claims_json = DecodeBase64Url(parts[1]);
  if (!claims_json.ok()) {
    return Refused(absl::StrCat("is malformed: its claims are ", claims_json.status().message()));
  }
  if (absl::Status claims = CheckClaims(*claims_json, now, user); !claims.ok()) return claims;
  return user;
}

absl::Status JwtVerifier::CheckClaims(absl::string_view claims_json, absl::Time now,
                                      std::string& user) const {
  absl::StatusOr<Struct> claims = json::ParseJsonObject(claims_json);
  if (!claims.ok()) return Refused("is malformed: its claims are not a JSON object");
  if (json::StringField(*claims, "iss").value_or("") != rules_.issuer) {
    return Refused("issuer (iss) is not the one this service trusts (AUTH_ISSUER)");
  }
  if (!AudienceHolds(*claims, rules_.audience)) {
    return Refused("audience (aud) does not name this service (AUTH_AUDIENCE)");
  }
  std::optional<absl::Time> expires = TimeClaim(*claims, "exp");
  if (!expires) return Refused("has no expiry (exp, a number of seconds)");
  if (now >= *expires + rules_.clock_skew) {
    return Refused(absl::StrCat("expired ", Seconds(now - *expires), " ago (exp)"));
  }
  if (claims->fields().count("nbf") != 0) {
    std::optional<absl::Time> not_before = TimeClaim(*claims, "nbf");
    if (!not_before) return Refused("not-before (nbf) is not a number of seconds");
    if (now < *not_before - rules_.clock_skew) {
      return Refused(absl::StrCat("is not valid yet: not before (nbf) ", Seconds(*not_before - now),
                                  " from now"));
    }
  }
  std::optional<std::string> subject = json::StringField(*claims, rules_.user_claim);
  if (!subject) {
    return Refused(
        absl::StrCat("has no ", rules_.user_claim, " claim naming the user (AUTH_USER_CLAIM)"));
  }
  if (!api::IsUuid(*subject)) {
    return Refused(absl::StrCat("claim ", rules_.user_claim, " is not a UUID"));
  }
  user = absl::AsciiStrToLower(*subject);
  return absl::OkStatus();
}

}  // namespace qs::auth
