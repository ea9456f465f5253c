// Builds the configured push providers (delivery_settings.h): the real FCM /
// APNs providers when chosen, else the log provider, each with its throttle.
//
//   QS_ASSIGN_OR_RETURN(DeliverySettings settings, LoadDeliverySettings(env));
//   QS_ASSIGN_OR_RETURN(PushProviders providers, BuildPushProviders(settings));
//   PushProvider& provider = providers.For(message.platform);
//   auto permit = providers.ThrottleFor(message.platform).Acquire(absl::Seconds(1));
#ifndef QS_NOTIFICATION_DELIVERY_PROVIDER_FACTORY_H_
#define QS_NOTIFICATION_DELIVERY_PROVIDER_FACTORY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "notification/delivery/delivery_settings.h"
#include "notification/delivery/provider_throttle.h"
#include "notification/delivery/push_provider.h"

namespace qs::notification::delivery {

struct PushProviders {
  PushProviderPtr fcm;
  PushProviderPtr apns;
  std::unique_ptr<ProviderThrottle> fcm_throttle;
  std::unique_ptr<ProviderThrottle> apns_throttle;

  PushProvider& For(PushPlatform platform) const;
  ProviderThrottle& ThrottleFor(PushPlatform platform) const;
};

// Reads the credential files. Errors name the variable of the bad file
// (never its content): a service cannot start with a broken credential.
absl::StatusOr<PushProviders> BuildPushProviders(const DeliverySettings& settings);

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_PROVIDER_FACTORY_H_
