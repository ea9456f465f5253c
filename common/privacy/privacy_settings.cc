#include "common/privacy/privacy_settings.h"

#include "absl/strings/str_cat.h"

namespace qs::privacy {

absl::StatusOr<PrivacySettings> LoadPrivacySettings(const config::EnvLookup& env) {
  PrivacySettings settings;
  absl::StatusOr<std::string> secret = config::ReadSecret(env, "PRIVACY_ADMIN_TOKEN");
  if (!secret.ok()) return secret.status();
  std::optional<std::string> token;
  if (!secret->empty()) token = *std::move(secret);
  if (token) {
    if (token->size() < kMinAdminTokenBytes) {
      return absl::InvalidArgumentError(absl::StrCat("PRIVACY_ADMIN_TOKEN must be at least ",
                                                     kMinAdminTokenBytes, " bytes long"));
    }
    settings.admin_token = std::move(token);
  }
  return settings;
}

}  // namespace qs::privacy
