#include "notification/token_rules.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/json_check.h"
#include "notification/quiet_hours.h"
#include "notification/text_rules.h"

namespace qs::notification {
namespace {

absl::Status RequireLength(absl::string_view field, absl::string_view value, size_t min,
                           size_t max) {
  if (value.size() < min) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  if (value.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", max, " bytes, got ", value.size()));
  }
  return absl::OkStatus();
}

absl::Status ValidateToken(v1::Platform platform, absl::string_view token) {
  if (absl::Status s = RequireLength("token", token, 1, kMaxTokenBytes); !s.ok()) return s;
  switch (platform) {
    case v1::PLATFORM_APNS: {
      if (token.size() < kMinApnsTokenChars || token.size() > kMaxApnsTokenChars) {
        return absl::InvalidArgumentError(absl::StrCat("token: an APNs token has ",
                                                       kMinApnsTokenChars, "..", kMaxApnsTokenChars,
                                                       " hex characters, got ", token.size()));
      }
      for (char c : token) {
        if (!absl::ascii_isxdigit(c)) {
          return absl::InvalidArgumentError("token: an APNs token is hexadecimal");
        }
      }
      return absl::OkStatus();
    }
    case v1::PLATFORM_WEB_PUSH:
      if (!api::IsJsonObject(token)) {
        return absl::InvalidArgumentError(
            "token: a Web Push token is the subscription as a JSON object");
      }
      return absl::OkStatus();
    default:
      if (!IsPrintableWithoutSpace(token)) {
        return absl::InvalidArgumentError("token: only printable ASCII without spaces");
      }
      return absl::OkStatus();
  }
}

}  // namespace

const db::EnumCodes<v1::Platform>& PlatformCodes() {
  static const auto* codes = new db::EnumCodes<v1::Platform>({{v1::PLATFORM_FCM, "fcm"},
                                                              {v1::PLATFORM_APNS, "apns"},
                                                              {v1::PLATFORM_WEB_PUSH, "web_push"}});
  return *codes;
}

absl::Status ValidateInstallation(absl::string_view device_id, absl::string_view app_id) {
  if (absl::Status s = RequireLength("device_id", device_id, 1, kMaxDeviceIdBytes); !s.ok()) {
    return s;
  }
  if (!IsPrintableWithoutSpace(device_id)) {
    return absl::InvalidArgumentError("device_id: only printable ASCII without spaces");
  }
  if (absl::Status s = RequireLength("app_id", app_id, 1, kMaxAppIdBytes); !s.ok()) return s;
  for (char c : app_id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
      return absl::InvalidArgumentError("app_id: only [A-Za-z0-9._-]");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRegistration(const v1::RegisterPushTokenRequest& request) {
  if (absl::Status s = ValidateInstallation(request.device_id(), request.app_id()); !s.ok()) {
    return s;
  }
  if (PlatformCodes().Code(request.platform()).empty()) {
    return absl::InvalidArgumentError("platform: must be FCM, APNS or WEB_PUSH");
  }
  if (absl::Status s = ValidateToken(request.platform(), request.token()); !s.ok()) return s;
  if (absl::Status s = RequireLength("app_version", request.app_version(), 0, kMaxAppVersionBytes);
      !s.ok()) {
    return s;
  }
  if (!request.app_version().empty() && !IsPrintableWithoutSpace(request.app_version())) {
    return absl::InvalidArgumentError("app_version: only printable ASCII without spaces");
  }
  if (absl::Status s = RequireLength("locale", request.locale(), 0, kMaxLocaleBytes); !s.ok()) {
    return s;
  }
  for (char c : request.locale()) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') {
      return absl::InvalidArgumentError("locale: only [A-Za-z0-9_-] (a BCP 47 tag)");
    }
  }
  if (absl::Status s = ValidateTimeZone("time_zone", request.time_zone(), true); !s.ok()) return s;
  if (request.apns_sandbox() && request.platform() != v1::PLATFORM_APNS) {
    return absl::InvalidArgumentError("apns_sandbox: only for platform APNS");
  }
  return absl::OkStatus();
}

std::string TokenSuffix(absl::string_view token) {
  // Never more than half of a short token.
  const size_t shown = std::min(kTokenSuffixChars, token.size() / 2);
  return std::string(token.substr(token.size() - shown));
}

}  // namespace qs::notification
