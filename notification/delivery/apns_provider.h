// APNs over HTTP/2 with token authentication: POST {host}/3/device/{token},
// the host chosen per token (production, or sandbox for a token registered
// by a development build), the answer classified by the answer table.
//
//   ApnsProvider provider(tokens, http, {.topic = "com.example.game"});
//   PushResult result = provider.Send(message);
#ifndef QS_NOTIFICATION_DELIVERY_APNS_PROVIDER_H_
#define QS_NOTIFICATION_DELIVERY_APNS_PROVIDER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "notification/delivery/answer_table.h"
#include "notification/delivery/apns_credentials.h"
#include "notification/delivery/http_client.h"
#include "notification/delivery/push_provider.h"

namespace qs::notification::delivery {

inline constexpr size_t kApnsMaxCollapseIdBytes = 64;

struct ApnsProviderSettings {
  std::string production_url = "https://api.push.apple.com";
  std::string sandbox_url = "https://api.sandbox.push.apple.com";
  // The app's bundle id (apns-topic).
  std::string topic;
  AnswerTableSettings answers;
};

// Headers (without authorization) and body of one APNs request:
// apns-topic, apns-push-type (alert; background without title and body),
// apns-priority (10 high, 5 normal and always for background), apns-id,
// apns-collapse-id and apns-expiration when set. The body is {"aps":
// {"alert": {title, body}, "sound": "default"} or {"content-available": 1},
// the data keys, "delivery_id", "deep_link"}. INVALID_ARGUMENT for a collapse
// key over 64 bytes or a data key named "aps".
struct ApnsRequest {
  std::vector<std::string> headers;
  std::string body;
};
absl::StatusOr<ApnsRequest> BuildApnsRequest(const PushMessage& message, absl::string_view topic);

class ApnsProvider final : public PushProvider {
 public:
  // `http` must require HTTP/2 (HttpClientSettings::require_http2).
  ApnsProvider(std::shared_ptr<ApnsProviderTokens> tokens, std::shared_ptr<HttpClient> http,
               ApnsProviderSettings settings);

  absl::string_view Name() const override { return "apns"; }
  PushResult Send(const PushMessage& message) override;

 private:
  ApnsClassification SendTo(bool sandbox, const PushMessage& message, const ApnsRequest& request,
                            bool other_environment_checked, std::string& bearer);
  PushResult SendWithEnvironmentCheck(const PushMessage& message, const ApnsRequest& request,
                                      std::string& bearer);

  const std::shared_ptr<ApnsProviderTokens> tokens_;
  const std::shared_ptr<HttpClient> http_;
  const ApnsProviderSettings settings_;
};

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_APNS_PROVIDER_H_
