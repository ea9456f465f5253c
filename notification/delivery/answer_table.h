// The answer table: a provider's HTTP answer → the worker's action
// (push_provider.h). Pure, no I/O; the same table is in README.md
// ("Push delivery").
//
//   | answer                                              | action             |
//   |-----------------------------------------------------|--------------------|
//   | 200                                                 | Delivered          |
//   | FCM UNREGISTERED (404); APNs 410; APNs 400          | InvalidateToken    |
//   |   BadDeviceToken once the other host also refused it|                    |
//   | FCM INVALID_ARGUMENT naming the token               | InvalidateToken    |
//   | FCM INVALID_ARGUMENT about the payload; APNs 400    | FailPermanently    |
//   |   payload errors; other 4xx                         |                    |
//   | FCM SENDER_ID_MISMATCH; APNs DeviceTokenNotForTopic | StopTokenForSender |
//   | FCM QUOTA_EXCEEDED, 429                             | ThrottleProvider   |
//   | FCM UNAVAILABLE / INTERNAL, 5xx, 408, timeouts,     | RetryLater         |
//   |   connection errors                                 |                    |
//   | FCM THIRD_PARTY_AUTH_ERROR, 401/403                 | RefreshCredential- |
//   |   (APNs 403 ExpiredProviderToken, ...)              |   AndRetry         |
//
//   HttpAnswer answer{status, body, headers};
//   PushResult result = ClassifyFcmAnswer(answer, absl::Now(), settings);
#ifndef QS_NOTIFICATION_DELIVERY_ANSWER_TABLE_H_
#define QS_NOTIFICATION_DELIVERY_ANSWER_TABLE_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "notification/delivery/push_provider.h"

namespace qs::notification::delivery {

// An HTTP answer as the transport saw it.
struct HttpAnswer {
  int status = 0;
  std::string body;
  // Header names in lower case (HTTP/2 sends them so; HTTP/1.1 is folded).
  std::map<std::string, std::string> headers;
};

struct AnswerTableSettings {
  // The provider-wide back-off of a 429 / QUOTA_EXCEEDED without Retry-After.
  absl::Duration default_throttle = absl::Seconds(60);
};

// FCM HTTP v1 (messages:send). The error body is a google.rpc.Status:
// {"error": {"code", "message", "status", "details": [{"@type":
// "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": ...},
// {"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations":
// [{"field": "message.token", ...}]}]}}. The FcmError code wins over
// `status`; an unreadable body falls back to the HTTP status alone.
PushResult ClassifyFcmAnswer(const HttpAnswer& answer, absl::Time now,
                             const AnswerTableSettings& settings);

// APNs: 200 with the apns-id header, else {"reason": ...}.
struct ApnsClassification {
  PushResult result;
  // BadDeviceToken on the host the token's sandbox flag chose: before
  // invalidating, send once to the other host to rule out a wrongly
  // registered environment (the mistake gorush's issue #881 makes globally).
  bool check_other_environment = false;
};
// `other_environment_checked`: this answer came from that second host.
ApnsClassification ClassifyApnsAnswer(const HttpAnswer& answer, bool other_environment_checked,
                                      absl::Time now, const AnswerTableSettings& settings);

// No HTTP answer: DEADLINE_EXCEEDED (timeout) or another transport error
// (http_client.h). Always RetryLater; the outcome is unknown unless the
// connection was never made (UNAVAILABLE).
PushResult ClassifyTransportFailure(const absl::Status& failure);

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_ANSWER_TABLE_H_
