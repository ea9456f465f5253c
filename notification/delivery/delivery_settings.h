// Settings of the push providers, from environment variables
// (common/config/env.h). Credential files are named here, never passed on
// the command line; their content is never logged.
//
//   PUSH_FCM_PROVIDER           log      log | fcm
//   PUSH_APNS_PROVIDER          log      log | apns
//   FCM_SERVICE_ACCOUNT_FILE    -        service-account JSON (required for fcm)
//   FCM_TOKEN_URI               -        overrides the file's token_uri (tests)
//   FCM_ENDPOINT                https://fcm.googleapis.com
//   FCM_TOKEN_REFRESH_MARGIN_MS 300000   fetch a new access token this long before expiry
//   FCM_SENDS_PER_SECOND        500      token bucket (burst: one second's worth)
//   FCM_MAX_CONCURRENCY         16       sends in flight
//   APNS_KEY_FILE               -        .p8 key (required for apns)
//   APNS_KEY_ID, APNS_TEAM_ID   -        the key's id and the team (required for apns)
//   APNS_TOPIC                  -        the app's bundle id (required for apns)
//   APNS_PRODUCTION_URL         https://api.push.apple.com
//   APNS_SANDBOX_URL            https://api.sandbox.push.apple.com
//   APNS_TOKEN_REFRESH_MINUTES  50       provider token age before re-signing, 20..59
//   APNS_SENDS_PER_SECOND       500
//   APNS_MAX_CONCURRENCY        16
//   PUSH_CA_FILE                -        trusted CAs (PEM); unset = the system's
//   PUSH_CONNECT_TIMEOUT_MS     5000
//   PUSH_REQUEST_TIMEOUT_MS     10000    a whole request, connection included
//   PUSH_THROTTLE_DEFAULT_MS    60000    provider back-off of a 429 without Retry-After
//   PUSH_RETRY_MAX_ATTEMPTS     5        attempts in all, then the delivery fails
//   PUSH_RETRY_MAX_ELAPSED_MS   3600000  no retry later than this after the first attempt
//   PUSH_RETRY_BASE_DELAY_MS    1000     first back-off ceiling (doubles per attempt)
//   PUSH_RETRY_MAX_DELAY_MS     300000   cap of the back-off ceiling
#ifndef QS_NOTIFICATION_DELIVERY_DELIVERY_SETTINGS_H_
#define QS_NOTIFICATION_DELIVERY_DELIVERY_SETTINGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"
#include "notification/delivery/answer_table.h"
#include "notification/delivery/provider_throttle.h"
#include "notification/delivery/retry_policy.h"

namespace qs::notification::delivery {

struct FcmSettings {
  bool enabled = false;  // false: the log provider
  std::string service_account_file;
  std::string token_uri;
  std::string endpoint = "https://fcm.googleapis.com";
  absl::Duration token_refresh_margin = absl::Minutes(5);
  ProviderThrottleSettings throttle;
};

struct ApnsSettings {
  bool enabled = false;  // false: the log provider
  std::string key_file;
  std::string key_id;
  std::string team_id;
  std::string topic;
  std::string production_url = "https://api.push.apple.com";
  std::string sandbox_url = "https://api.sandbox.push.apple.com";
  absl::Duration token_refresh = absl::Minutes(50);
  ProviderThrottleSettings throttle;
};

struct DeliverySettings {
  FcmSettings fcm;
  ApnsSettings apns;
  std::string ca_file;
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration request_timeout = absl::Seconds(10);
  AnswerTableSettings answers;
  RetryPolicySettings retry;
};

// An error names the variable and the accepted values (never a value of a
// secret variable).
absl::StatusOr<DeliverySettings> LoadDeliverySettings(const config::EnvLookup& env);

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_DELIVERY_SETTINGS_H_
