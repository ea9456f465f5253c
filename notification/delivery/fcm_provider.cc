#include "notification/delivery/fcm_provider.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "notification/delivery/credential_refresh.h"
#include "notification/delivery/json_object.h"

namespace qs::notification::delivery {

std::string FcmRequestBody(const PushMessage& message, absl::Time now) {
  google::protobuf::Struct body;
  google::protobuf::Struct& fcm = MutableObject(body, "message");
  SetString(fcm, "token", message.token);
  if (!message.title.empty() || !message.body.empty()) {
    google::protobuf::Struct& notification = MutableObject(fcm, "notification");
    if (!message.title.empty()) SetString(notification, "title", message.title);
    if (!message.body.empty()) SetString(notification, "body", message.body);
  }
  google::protobuf::Struct& data = MutableObject(fcm, "data");
  for (const auto& [key, value] : message.data) SetString(data, key, value);
  SetString(data, "delivery_id", message.message_id);
  if (!message.deep_link.empty()) SetString(data, "deep_link", message.deep_link);
  google::protobuf::Struct& android = MutableObject(fcm, "android");
  SetString(android, "priority", message.priority == PushPriority::kHigh ? "HIGH" : "NORMAL");
  if (!message.title.empty() || !message.body.empty()) {
    // The tray replaces a notification of the same tag: a re-send after an
    // unknown outcome shows once without relying on the app's code.
    SetString(MutableObject(android, "notification"), "tag", message.message_id);
  }
  if (!message.collapse_key.empty()) SetString(android, "collapse_key", message.collapse_key);
  if (message.expires_at != absl::InfiniteFuture()) {
    double seconds = std::ceil(absl::ToDoubleSeconds(message.expires_at - now));
    SetString(android, "ttl", absl::StrCat(std::max(0.0, seconds), "s"));
  }
  return ToJson(body);
}

FcmProvider::FcmProvider(std::shared_ptr<FcmAccessTokens> tokens, std::shared_ptr<HttpClient> http,
                         FcmProviderSettings settings)
    : tokens_(std::move(tokens)),
      http_(std::move(http)),
      settings_(std::move(settings)),
      url_(absl::StrCat(settings_.endpoint, "/v1/projects/", tokens_->project_id(),
                        "/messages:send")) {}

PushResult FcmProvider::SendOnce(const PushMessage& message, std::string& bearer) {
  absl::StatusOr<std::string> token = tokens_->Get();
  if (!token.ok()) {
    if (token.status().code() == absl::StatusCode::kPermissionDenied) {
      return PushResult{PauseProvider{std::string(token.status().message())}, 0, "oauth_refused"};
    }
    // Nothing was sent: the token endpoint's trouble is every delivery's.
    PushResult result = ClassifyTransportFailure(token.status());
    if (auto* retry = std::get_if<RetryLater>(&result.action)) {
      retry->provider_wide = true;
      retry->outcome_unknown = false;
    }
    return result;
  }
  bearer = *token;
  absl::StatusOr<HttpAnswer> answer =
      http_->Send({url_,
                   {absl::StrCat("Authorization: Bearer ", bearer),
                    "Content-Type: application/json; charset=UTF-8"},
                   FcmRequestBody(message, absl::Now())});
  if (!answer.ok()) return ClassifyTransportFailure(answer.status());
  return ClassifyFcmAnswer(*answer, absl::Now(), settings_.answers);
}

PushResult FcmProvider::Send(const PushMessage& message) {
  if (message.platform != PushPlatform::kFcm) {
    return PushResult{FailPermanently{"not an FCM token"}, 0, "wrong_platform"};
  }
  std::string bearer;
  return SendRefreshingCredentialOnce([&] { return SendOnce(message, bearer); },
                                      [&] { tokens_->Invalidate(bearer); });
}

}  // namespace qs::notification::delivery
