#include "notification/delivery/apns_provider.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "notification/delivery/credential_refresh.h"
#include "notification/delivery/json_object.h"

namespace qs::notification::delivery {

absl::StatusOr<ApnsRequest> BuildApnsRequest(const PushMessage& message, absl::string_view topic) {
  if (message.collapse_key.size() > kApnsMaxCollapseIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat("collapse_key: at most ",
                                                   kApnsMaxCollapseIdBytes, " bytes for APNs, got ",
                                                   message.collapse_key.size()));
  }
  if (message.data.count("aps") > 0) {
    return absl::InvalidArgumentError("data: the key \"aps\" is reserved by APNs");
  }
  const bool alert = !message.title.empty() || !message.body.empty();
  ApnsRequest request;
  request.headers = {
      absl::StrCat("apns-topic: ", topic),
      absl::StrCat("apns-push-type: ", alert ? "alert" : "background"),
      // Apple refuses priority 10 for background pushes.
      absl::StrCat("apns-priority: ",
                   alert && message.priority == PushPriority::kHigh ? "10" : "5"),
      absl::StrCat("apns-id: ", message.message_id),
      "Content-Type: application/json",
  };
  if (!message.collapse_key.empty()) {
    request.headers.push_back(absl::StrCat("apns-collapse-id: ", message.collapse_key));
  }
  if (message.expires_at != absl::InfiniteFuture()) {
    // 0 means "deliver now or never": an already expired message.
    request.headers.push_back(absl::StrCat(
        "apns-expiration: ", std::max<int64_t>(0, absl::ToUnixSeconds(message.expires_at))));
  }

  google::protobuf::Struct body;
  for (const auto& [key, value] : message.data) SetString(body, key, value);
  SetString(body, "delivery_id", message.message_id);
  if (!message.deep_link.empty()) SetString(body, "deep_link", message.deep_link);
  google::protobuf::Struct& aps = MutableObject(body, "aps");
  if (alert) {
    google::protobuf::Struct& text = MutableObject(aps, "alert");
    if (!message.title.empty()) SetString(text, "title", message.title);
    if (!message.body.empty()) SetString(text, "body", message.body);
    SetString(aps, "sound", "default");
  } else {
    SetNumber(aps, "content-available", 1);
  }
  request.body = ToJson(body);
  return request;
}

ApnsProvider::ApnsProvider(std::shared_ptr<ApnsProviderTokens> tokens,
                           std::shared_ptr<HttpClient> http, ApnsProviderSettings settings)
    : tokens_(std::move(tokens)), http_(std::move(http)), settings_(std::move(settings)) {}

ApnsClassification ApnsProvider::SendTo(bool sandbox, const PushMessage& message,
                                        const ApnsRequest& request, bool other_environment_checked,
                                        std::string& bearer) {
  absl::StatusOr<std::string> token = tokens_->Get();
  if (!token.ok()) {
    return {PushResult{PauseProvider{std::string(token.status().message())}, 0, "signing_failed"}};
  }
  bearer = *token;
  HttpRequest http_request{absl::StrCat(sandbox ? settings_.sandbox_url : settings_.production_url,
                                        "/3/device/", message.token),
                           request.headers, request.body};
  http_request.headers.push_back(absl::StrCat("authorization: bearer ", bearer));
  absl::StatusOr<HttpAnswer> answer = http_->Send(http_request);
  if (!answer.ok()) return {ClassifyTransportFailure(answer.status())};
  return ClassifyApnsAnswer(*answer, other_environment_checked, absl::Now(), settings_.answers);
}

PushResult ApnsProvider::SendWithEnvironmentCheck(const PushMessage& message,
                                                  const ApnsRequest& request, std::string& bearer) {
  ApnsClassification first = SendTo(message.apns_sandbox, message, request, false, bearer);
  if (!first.check_other_environment) return first.result;
  ApnsClassification other = SendTo(!message.apns_sandbox, message, request, true, bearer);
  if (auto* delivered = std::get_if<Delivered>(&other.result.action)) {
    delivered->corrected_apns_sandbox = !message.apns_sandbox;
  }
  // Anything but a second BadDeviceToken (e.g. a timeout) leaves the token's
  // fate open: that answer's action decides.
  return other.result;
}

PushResult ApnsProvider::Send(const PushMessage& message) {
  if (message.platform != PushPlatform::kApns) {
    return PushResult{FailPermanently{"not an APNs token"}, 0, "wrong_platform"};
  }
  // APNs device tokens are hex; anything else would also change the URL path.
  if (message.token.empty() ||
      !std::all_of(message.token.begin(), message.token.end(), absl::ascii_isxdigit)) {
    return PushResult{InvalidateToken{"not a hex APNs device token"}, 0, "BadDeviceToken"};
  }
  absl::StatusOr<ApnsRequest> request = BuildApnsRequest(message, settings_.topic);
  if (!request.ok()) {
    return PushResult{FailPermanently{std::string(request.status().message())}, 0,
                      "invalid_message"};
  }
  std::string bearer;
  return SendRefreshingCredentialOnce(
      [&] { return SendWithEnvironmentCheck(message, *request, bearer); },
      [&] { tokens_->Invalidate(bearer); });
}

}  // namespace qs::notification::delivery
