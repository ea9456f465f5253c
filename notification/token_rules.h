// The rules of the token registry, without I/O: what a registration may
// contain, the platforms' codes in the database, and the only form in which
// a token may leave the service (its last characters).
//
//   QS_RETURN_IF_ERROR(ValidateRegistration(request));
//   spdlog::info("token …{} registered", TokenSuffix(request.token()));
#ifndef QS_NOTIFICATION_TOKEN_RULES_H_
#define QS_NOTIFICATION_TOKEN_RULES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/db/enum_codes.h"
#include "proto/notification/v1/push_tokens.pb.h"

namespace qs::notification {

namespace v1 = ::notification::v1;

// FCM tokens are ~160 characters, APNs 64 hex; the (platform, token) unique
// btree index cannot hold an entry over ~2704 bytes, so a longer token would
// fail with INTERNAL instead of INVALID_ARGUMENT.
inline constexpr size_t kMaxTokenBytes = 2048;
inline constexpr size_t kMinApnsTokenChars = 64;
inline constexpr size_t kMaxApnsTokenChars = 200;
inline constexpr size_t kMaxDeviceIdBytes = 128;
inline constexpr size_t kMaxAppIdBytes = 128;
inline constexpr size_t kMaxAppVersionBytes = 64;
inline constexpr size_t kMaxLocaleBytes = 35;
inline constexpr size_t kTokenSuffixChars = 6;
// ListPushTokens returns at most this many registrations.
inline constexpr int kMaxListedTokens = 100;

// "fcm" / "apns" / "web_push".
const db::EnumCodes<v1::Platform>& PlatformCodes();

// The installation key of RegisterPushToken and UnregisterPushToken:
// device_id 1..128 printable ASCII without spaces, app_id 1..128 of
// [A-Za-z0-9._-]. INVALID_ARGUMENT naming the field.
absl::Status ValidateInstallation(absl::string_view device_id, absl::string_view app_id);

// Every field of a registration (limits in push_tokens.proto).
absl::Status ValidateRegistration(const v1::RegisterPushTokenRequest& request);

// The last 6 characters of `token` (at most half of a token shorter than
// 12): what responses and log lines may show.
std::string TokenSuffix(absl::string_view token);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_TOKEN_RULES_H_
