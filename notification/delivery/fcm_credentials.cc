#include "notification/delivery/fcm_credentials.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "notification/delivery/json_object.h"

namespace qs::notification::delivery {

absl::StatusOr<ServiceAccount> LoadServiceAccount(const std::string& path,
                                                  const std::string& token_uri_override) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read the service account ", path));
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<google::protobuf::Struct> json = ParseJsonObject(text.str());
  if (!json.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a service-account JSON object"));
  }
  auto field = [&](absl::string_view name) -> absl::StatusOr<std::string> {
    std::optional<std::string> value = StringField(*json, name);
    if (!value || value->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": missing \"", name, "\""));
    }
    return *value;
  };
  absl::StatusOr<std::string> project_id = field("project_id");
  absl::StatusOr<std::string> client_email = field("client_email");
  absl::StatusOr<std::string> private_key = field("private_key");
  for (const auto* value : {&project_id, &client_email, &private_key}) {
    if (!value->ok()) return value->status();
  }
  std::string token_uri = token_uri_override;
  if (token_uri.empty()) {
    absl::StatusOr<std::string> from_file = field("token_uri");
    if (!from_file.ok()) return from_file.status();
    token_uri = *from_file;
  }
  absl::StatusOr<SigningKey> key = SigningKey::FromPem(*private_key);
  if (!key.ok() || key->algorithm() != JwtAlgorithm::kRs256) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": private_key is not an RSA PEM key"));
  }
  return ServiceAccount{*project_id, *client_email, token_uri, *key};
}

absl::StatusOr<std::string> ServiceAccountAssertion(const ServiceAccount& account, absl::Time now) {
  google::protobuf::Struct claims;
  SetString(claims, "iss", account.client_email);
  SetString(claims, "scope", kFcmScope);
  SetString(claims, "aud", account.token_uri);
  SetNumber(claims, "iat", static_cast<double>(absl::ToUnixSeconds(now)));
  SetNumber(claims, "exp", static_cast<double>(absl::ToUnixSeconds(now + absl::Hours(1))));
  return SignJwt(account.private_key, {}, claims);
}

FcmAccessTokens::FcmAccessTokens(ServiceAccount account, std::shared_ptr<HttpClient> http,
                                 absl::Duration refresh_margin, Clock clock)
    : account_(std::move(account)),
      http_(std::move(http)),
      refresh_margin_(refresh_margin),
      clock_(std::move(clock)) {}

absl::StatusOr<std::string> FcmAccessTokens::Get() {
  absl::MutexLock lock(&mutex_);
  const absl::Time now = clock_();
  if (token_.empty() || now >= refresh_at_) {
    absl::Status fetched = Fetch(now);
    if (!fetched.ok()) return fetched;
  }
  return token_;
}

void FcmAccessTokens::Invalidate(const std::string& token) {
  absl::MutexLock lock(&mutex_);
  if (token == token_) token_.clear();
}

absl::Status FcmAccessTokens::Fetch(absl::Time now) {
  absl::StatusOr<std::string> assertion = ServiceAccountAssertion(account_, now);
  if (!assertion.ok()) return assertion.status();
  ++token_requests_;
  // The assertion is base64url and dots only: no form escaping needed.
  absl::StatusOr<HttpAnswer> answer = http_->Send(
      {account_.token_uri,
       {"Content-Type: application/x-www-form-urlencoded"},
       absl::StrCat("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=",
                    *assertion)});
  if (!answer.ok()) {
    return absl::Status(answer.status().code(),
                        absl::StrCat("OAuth token endpoint: ", answer.status().message()));
  }
  if (answer->status == 429 || answer->status >= 500) {
    return absl::UnavailableError(absl::StrCat("OAuth token endpoint: HTTP ", answer->status));
  }
  absl::StatusOr<google::protobuf::Struct> json = ParseJsonObject(answer->body);
  if (answer->status != 200) {
    std::string error = json.ok() ? StringField(*json, "error").value_or("") : "";
    return absl::PermissionDeniedError(absl::StrCat(
        "OAuth token endpoint refused the assertion: HTTP ", answer->status, " ", error));
  }
  std::optional<std::string> token = json.ok() ? StringField(*json, "access_token") : std::nullopt;
  std::optional<double> expires_in = json.ok() ? NumberField(*json, "expires_in") : std::nullopt;
  if (!token || token->empty() || !expires_in) {
    return absl::UnavailableError("OAuth token endpoint: no access_token/expires_in in the answer");
  }
  token_ = *token;
  refresh_at_ = now + absl::Seconds(*expires_in) - refresh_margin_;
  return absl::OkStatus();
}

}  // namespace qs::notification::delivery
