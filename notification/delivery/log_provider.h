// A provider that only logs what it would send and answers Delivered: the
// default for local runs (deploy/local.sh), where no FCM or APNs credentials
// exist. The token is shortened (token_redaction.h); title, body and data
// are logged by size only, they may be personal.
#ifndef QS_NOTIFICATION_DELIVERY_LOG_PROVIDER_H_
#define QS_NOTIFICATION_DELIVERY_LOG_PROVIDER_H_

#include <string>

#include "notification/delivery/push_provider.h"

namespace qs::notification::delivery {

// The one line LogProvider logs for `message`.
std::string DescribeForLog(const PushMessage& message);

class LogProvider final : public PushProvider {
 public:
  absl::string_view Name() const override { return "log"; }
  // Delivered{"log:" + message_id}.
  PushResult Send(const PushMessage& message) override;
};

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_LOG_PROVIDER_H_
