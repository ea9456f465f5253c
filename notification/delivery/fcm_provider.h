// FCM HTTP v1: POST {endpoint}/v1/projects/{project_id}/messages:send with
// an OAuth2 bearer token (fcm_credentials.h), the answer classified by the
// answer table.
//
//   auto provider = std::make_unique<FcmProvider>(tokens, http, FcmProviderSettings{});
//   PushResult result = provider->Send(message);
#ifndef QS_NOTIFICATION_DELIVERY_FCM_PROVIDER_H_
#define QS_NOTIFICATION_DELIVERY_FCM_PROVIDER_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "notification/delivery/answer_table.h"
#include "notification/delivery/fcm_credentials.h"
#include "notification/delivery/http_client.h"
#include "notification/delivery/push_provider.h"

namespace qs::notification::delivery {

struct FcmProviderSettings {
  // Scheme and host (and port) of the send API.
  std::string endpoint = "https://fcm.googleapis.com";
  AnswerTableSettings answers;
};

// The messages:send body: {"message": {"token", "notification": {title,
// body}, "data": {..., "delivery_id", "deep_link"}, "android": {"priority",
// "collapse_key", "ttl"}}}. `now` turns expires_at into the TTL.
std::string FcmRequestBody(const PushMessage& message, absl::Time now);

class FcmProvider final : public PushProvider {
 public:
  FcmProvider(std::shared_ptr<FcmAccessTokens> tokens, std::shared_ptr<HttpClient> http,
              FcmProviderSettings settings);

  absl::string_view Name() const override { return "fcm"; }
  PushResult Send(const PushMessage& message) override;

 private:
  PushResult SendOnce(const PushMessage& message, std::string& bearer);

  const std::shared_ptr<FcmAccessTokens> tokens_;
  const std::shared_ptr<HttpClient> http_;
  const FcmProviderSettings settings_;
  const std::string url_;
};

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_FCM_PROVIDER_H_
