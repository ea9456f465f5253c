// The rules of sending and of the inbox, without I/O: what a send may
// contain, who the system sender is, and the plan of one send — which
// notifications and deliveries it writes, given the recipients'
// preferences and active tokens (the store writes the plan in one
// transaction).
//
//   QS_ASSIGN_OR_RETURN(std::vector<std::string> recipients, ValidateSend(request));
//   SendPlan plan = PlanSend(recipients, preferences, tokens, critical, now, ttl, NewUuidV4);
#ifndef QS_NOTIFICATION_INBOX_RULES_H_
#define QS_NOTIFICATION_INBOX_RULES_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/enum_codes.h"
#include "google/protobuf/repeated_field.h"
#include "notification/preference_rules.h"
#include "proto/notification/v1/inbox.pb.h"

namespace qs::notification {

namespace v1 = ::notification::v1;

// The x-user-id of a system caller (the nil UUID, which no user has): its
// notifications have no sender user.
inline constexpr char kSystemUserId[] = "00000000-0000-0000-0000-000000000000";

inline constexpr int kMaxRecipients = 1000;
inline constexpr size_t kMaxTitleBytes = 256;
inline constexpr size_t kMaxBodyBytes = 4096;
inline constexpr int kMaxDataEntries = 32;
inline constexpr size_t kMaxDataKeyBytes = 64;
inline constexpr size_t kMaxDataValueBytes = 1024;
inline constexpr size_t kMaxDataBytes = 4096;
inline constexpr size_t kMaxDeepLinkBytes = 2048;
inline constexpr size_t kMaxCollapseKeyBytes = 64;
inline constexpr int kMaxTimeToLiveSeconds = 28 * 24 * 3600;
inline constexpr int kMaxMarkedIds = 100;

// A delivery's state, as the deliveries table stores it.
enum class DeliveryState {
  kUnknown,
  kQueued,
  kSending,
  kSent,
  kFailed,
  kInvalidToken,
  kMuted,
  kExpired
};
const db::EnumCodes<DeliveryState>& DeliveryStateCodes();

// "normal" / "high"; UNSPECIFIED is stored as "normal".
const db::EnumCodes<v1::Priority>& PriorityCodes();

// Every field of a send (limits in inbox.proto); returns the distinct
// recipients in request order, lower-cased.
absl::StatusOr<std::vector<std::string>> ValidateSend(const v1::SendNotificationRequest& request);

// Only the system (kSystemUserId) may send in a critical category: such a
// send overrides the recipients' opt-outs and quiet hours, which no user may
// do to another. PERMISSION_DENIED naming the category otherwise.
absl::Status CheckSenderMaySend(absl::string_view sender, absl::string_view category,
                                bool critical);

// 1..100 UUIDs; returns them distinct, lower-cased, in request order.
absl::StatusOr<std::vector<std::string>> ValidateNotificationIds(
    const google::protobuf::RepeatedPtrField<std::string>& ids);

// OK for a known filter (UNSPECIFIED = ALL).
absl::Status ValidateFilter(int filter);

// One active token of a recipient.
struct ActiveToken {
  std::string push_token_id;
  std::string user_id;
  // The device's zone ("" = unknown), for quiet hours without their own.
  std::string time_zone;
};

struct PlannedNotification {
  std::string id;
  std::string user_id;
  bool in_inbox = true;
};

struct PlannedDelivery {
  std::string notification_log_id;
  std::string push_token_id;
  std::string user_id;
  DeliveryState state = DeliveryState::kQueued;
  // When the worker may send it: absl::InfinitePast() for at once, else the
  // end of quiet hours.
  absl::Time next_attempt_at = absl::InfinitePast();
};

struct SendPlan {
  std::vector<PlannedNotification> notifications;
  std::vector<PlannedDelivery> deliveries;
  // SendNotificationResponse without the notification ids' other fields.
  v1::SendNotificationResponse response;
};

// The plan of one send at `now`. `preferences` holds the recipients that
// have any (others have every channel on); `tokens` every active token of
// the recipients. `time_to_live` 0 = none: otherwise a push held past
// now + time_to_live is EXPIRED at once. `new_id` makes notification ids.
SendPlan PlanSend(const std::vector<std::string>& recipients,
                  const std::map<std::string, RecipientPreferences>& preferences,
                  const std::vector<ActiveToken>& tokens, bool critical, absl::Time now,
                  absl::Duration time_to_live, const std::function<std::string()>& new_id);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_INBOX_RULES_H_
