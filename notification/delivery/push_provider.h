// The push delivery engine's provider interface: one message to one device
// token, and what the worker must do with the provider's answer.
//
//   PushResult result = provider.Send(message);
//   std::visit(Overloaded{
//       [&](const Delivered& d) { MarkSent(d.provider_message_id); },
//       [&](const InvalidateToken& i) { MarkTokenInvalid(i.reason); },
//       [&](const FailPermanently& f) { DeadLetter(f.reason); },
//       [&](const StopTokenForSender& s) { DetachToken(s.reason); },
//       [&](const ThrottleProvider& t) { throttle.BackOffUntil(now + t.retry_after); Requeue(); },
//       [&](const RetryLater& r) { ScheduleRetry(policy.NextDelay(...), r); },
//       [&](const PauseProvider& p) { Pause(p.reason); Requeue(); },
//       [&](const RefreshCredentialAndRetry&) { /* never returned by Send */ },
//   }, result.action);
//
// The variant is the answer table of the README ("Push delivery"): each
// alternative is one row's action, so the worker's code reads as the table.
#ifndef QS_NOTIFICATION_DELIVERY_PUSH_PROVIDER_H_
#define QS_NOTIFICATION_DELIVERY_PUSH_PROVIDER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qs::notification::delivery {

enum class PushPlatform { kFcm, kApns };

enum class PushPriority {
  // Wakes the device: FCM android.priority HIGH, apns-priority 10.
  kHigh,
  // Battery friendly: FCM NORMAL, apns-priority 5.
  kNormal,
};

// One push to one device token. Built by the worker from a `deliveries` row.
struct PushMessage {
  // Stable per delivery (the delivery id, a UUID). Sent as `apns-id` (APNs
  // collapses a repeated id), as FCM data["delivery_id"] (FCM v1 has no
  // send-side dedup; the app can drop a repeated id) and as FCM
  // android.notification.tag (the Android tray replaces a notification of
  // the same tag), so a re-send after an unknown outcome (timeout) does not
  // show twice. It is not made the Android collapse key: FCM keeps only four
  // collapse keys per device.
  std::string message_id;
  std::string token;
  PushPlatform platform = PushPlatform::kFcm;
  // APNs only: the token was registered by a development build, so it is
  // sent to the sandbox host. Chosen per token, never a global switch.
  bool apns_sandbox = false;
  std::string title;
  std::string body;
  // Custom key/values delivered to the app (FCM `data`, APNs top-level keys).
  std::map<std::string, std::string> data;
  // Empty = none; sent as data["deep_link"].
  std::string deep_link;
  PushPriority priority = PushPriority::kHigh;
  // Empty = none. APNs `apns-collapse-id` is at most 64 bytes (the provider
  // answers FailPermanently for a longer one without sending).
  std::string collapse_key;
  // After this the provider stops trying to reach the device (apns-expiration,
  // FCM android.ttl). InfiniteFuture = the provider's default (4 weeks).
  absl::Time expires_at = absl::InfiniteFuture();
};

// ----- Actions: one per row of the answer table -----

// The provider accepted the message.
struct Delivered {
  // FCM: the `name` of the answer (projects/p/messages/0:…); APNs: apns-id.
  std::string provider_message_id;
  // APNs only: set when the token turned out to belong to the other
  // environment (BadDeviceToken on its host, accepted on the other one); the
  // worker should store this as the token's sandbox flag.
  std::optional<bool> corrected_apns_sandbox;
};

// The token is gone (FCM UNREGISTERED or INVALID_ARGUMENT naming the token,
// APNs 410 / BadDeviceToken on both hosts): mark it invalid with `reason`,
// never use it again. No retry.
struct InvalidateToken {
  std::string reason;
};

// The message itself is wrong (payload errors): dead-letter the delivery with
// `reason`. No retry; the token is kept.
struct FailPermanently {
  std::string reason;
};

// The token belongs to another sender / app (FCM SENDER_ID_MISMATCH, APNs
// DeviceTokenNotForTopic): fail the delivery and stop using the token with
// this provider's credentials. The token is not proven dead.
struct StopTokenForSender {
  std::string reason;
};

// The provider's quota is exhausted (FCM QUOTA_EXCEEDED, APNs 429): back off
// the whole provider, not just this token, for `retry_after` (the
// Retry-After header, else a default), then retry this delivery.
struct ThrottleProvider {
  absl::Duration retry_after;
  std::string reason;
};

// A transient failure (FCM UNAVAILABLE/INTERNAL, 5xx, timeout, connection
// error): retry with back-off (retry_policy.h), not before `retry_after` when
// the provider sent one.
struct RetryLater {
  std::optional<absl::Duration> retry_after;
  std::string reason;
  // True when the provider may have accepted the message (timeout, connection
  // lost after sending): the re-send must keep the same message id.
  bool outcome_unknown = false;
  // True when the failure is the provider's as a whole, not this message's
  // (the OAuth token fetch failed, nothing was sent): the worker retries
  // without counting it as the delivery's attempt.
  bool provider_wide = false;
};

// The credential was refused. Internal to a provider: Send refreshes the
// credential and retries once, and returns the second answer's action, or
// PauseProvider when that is refused too. Never returned by Send.
struct RefreshCredentialAndRetry {
  std::string reason;
};

// The credential is refused even after a refresh (or cannot be refreshed):
// stop sending with this provider until an operator fixes it, report it in
// health/diagnostics, keep tokens and requeue the delivery.
struct PauseProvider {
  std::string reason;
};

using PushAction =
    std::variant<Delivered, InvalidateToken, FailPermanently, StopTokenForSender, ThrottleProvider,
                 RetryLater, RefreshCredentialAndRetry, PauseProvider>;

// The action and the raw answer it came from (for the deliveries row).
struct PushResult {
  PushAction action;
  // HTTP status, 0 when there was no HTTP answer (timeout, connection error).
  int http_status = 0;
  // The provider's error code ("UNREGISTERED", "BadDeviceToken", "timeout"),
  // empty on success. Short, safe to store and log (never the token).
  std::string provider_code;
};

// Lambdas → one visitor, so std::visit over a PushAction lists the table's
// rows (see the example at the top).
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// A short name of the action ("delivered", "invalidate_token", ...), for logs.
absl::string_view ActionName(const PushAction& action);

// Sends one message at a time. Implementations are thread-safe: a worker pool
// calls Send concurrently; throughput bounds live outside (provider_throttle.h).
// Send never throws and blocks at most for the configured timeouts (twice for
// the one credential refresh or APNs environment check).
class PushProvider {
 public:
  virtual ~PushProvider() = default;
  // "fcm", "apns" or "log": the provider's name in logs and diagnostics.
  virtual absl::string_view Name() const = 0;
  virtual PushResult Send(const PushMessage& message) = 0;
};

using PushProviderPtr = std::unique_ptr<PushProvider>;

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_PUSH_PROVIDER_H_
