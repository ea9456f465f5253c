// The settings of the Privacy admin API (common/privacy/privacy_service.h).
//
//   absl::StatusOr<PrivacySettings> settings = LoadPrivacySettings(env);
//
// PRIVACY_ADMIN_TOKEN: the bearer credential of ops.v1.Privacy. Unset means
// the API refuses every call (FAILED_PRECONDITION): erasure is then off on
// this service, though it still follows the others' UserErased events.
// Secret (config::IsSecretVariable): never logged or echoed; also read from
// the file PRIVACY_ADMIN_TOKEN_FILE names (config::ReadSecret).
#ifndef QS_COMMON_PRIVACY_PRIVACY_SETTINGS_H_
#define QS_COMMON_PRIVACY_PRIVACY_SETTINGS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/config/env.h"

namespace qs::privacy {

// A shorter token is a config error: an admin credential that can be
// guessed is worse than none.
inline constexpr size_t kMinAdminTokenBytes = 16;

struct PrivacySettings {
  std::optional<std::string> admin_token;
};

// INVALID_ARGUMENT naming PRIVACY_ADMIN_TOKEN when it is set but shorter
// than kMinAdminTokenBytes.
absl::StatusOr<PrivacySettings> LoadPrivacySettings(const config::EnvLookup& env);

}  // namespace qs::privacy

#endif  // QS_COMMON_PRIVACY_PRIVACY_SETTINGS_H_
