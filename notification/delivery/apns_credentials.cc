#include "notification/delivery/apns_credentials.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "notification/delivery/json_object.h"

namespace qs::notification::delivery {

absl::StatusOr<ApnsKey> LoadApnsKey(const std::string& path, std::string key_id,
                                    std::string team_id) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read the APNs key ", path));
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<SigningKey> key = SigningKey::FromPem(text.str());
  if (!key.ok() || key->algorithm() != JwtAlgorithm::kEs256) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a P-256 .p8 key"));
  }
  return ApnsKey{std::move(key_id), std::move(team_id), *key};
}

ApnsProviderTokens::ApnsProviderTokens(ApnsKey key, absl::Duration refresh_after, Clock clock)
    : key_(std::move(key)),
      refresh_after_(
          std::clamp(refresh_after, kApnsMinTokenAge, kApnsMaxTokenAge - absl::Minutes(1))),
      clock_(std::move(clock)) {}

absl::StatusOr<std::string> ApnsProviderTokens::Get() {
  absl::MutexLock lock(&mutex_);
  const absl::Time now = clock_();
  if (!token_.empty() && now < issued_at_ + refresh_after_) return token_;
  google::protobuf::Struct claims;
  SetString(claims, "iss", key_.team_id);
  SetNumber(claims, "iat", static_cast<double>(absl::ToUnixSeconds(now)));
  absl::StatusOr<std::string> token = SignJwt(key_.private_key, {{"kid", key_.key_id}}, claims);
  if (!token.ok()) return token.status();
  ++tokens_signed_;
  token_ = *token;
  issued_at_ = now;
  return token_;
}

void ApnsProviderTokens::Invalidate(const std::string& token) {
  absl::MutexLock lock(&mutex_);
  if (token == token_) token_.clear();
}

}  // namespace qs::notification::delivery
