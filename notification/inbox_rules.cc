#include "notification/inbox_rules.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "common/api/validation.h"
#include "common/base/status_macros.h"
#include "notification/text_rules.h"

namespace qs::notification {
namespace {

absl::Status ValidateDataKey(absl::string_view key) {
  const std::string field = absl::StrCat("data[\"", key.substr(0, kMaxDataKeyBytes), "\"]");
  if (key.empty() || key.size() > kMaxDataKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("data: a key has 1..", kMaxDataKeyBytes, " bytes"));
  }
  for (char c : key) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '-') {
      return absl::InvalidArgumentError(absl::StrCat(field, ": a key is only [A-Za-z0-9_.-]"));
    }
  }
  // FCM refuses these (its own message fields).
  if (absl::StartsWith(key, "google.") || absl::StartsWith(key, "gcm.") || key == "from" ||
      key == "notification" || key == "message_type" || key == "collapse_key") {
    return absl::InvalidArgumentError(absl::StrCat(field, ": the key is reserved by FCM"));
  }
  return absl::OkStatus();
}

absl::Status ValidateData(const google::protobuf::Map<std::string, std::string>& data) {
  if (static_cast<int>(data.size()) > kMaxDataEntries) {
    return absl::InvalidArgumentError(
        absl::StrCat("data: at most ", kMaxDataEntries, " entries, got ", data.size()));
  }
  size_t total = 0;
  for (const auto& [key, value] : data) {
    QS_RETURN_IF_ERROR(ValidateDataKey(key));
    const std::string field = absl::StrCat("data[\"", key, "\"]");
    QS_RETURN_IF_ERROR(api::RequireMaxLength(field, value, kMaxDataValueBytes));
    QS_RETURN_IF_ERROR(api::RequireValidUtf8(field, value));
    total += key.size() + value.size();
  }
  if (total > kMaxDataBytes) {
    return absl::InvalidArgumentError(absl::StrCat("data: keys and values at most ", kMaxDataBytes,
                                                   " bytes together, got ", total));
  }
  return absl::OkStatus();
}

// 1..max UUIDs, distinct (first occurrence kept), lower-cased.
absl::StatusOr<std::vector<std::string>> DistinctUuids(
    absl::string_view field, const google::protobuf::RepeatedPtrField<std::string>& ids, int max) {
  if (ids.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": at least one id"));
  if (ids.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", max, " ids, got ", ids.size()));
  }
  std::vector<std::string> distinct;
  std::set<std::string> seen;
  for (int i = 0; i < ids.size(); ++i) {
    QS_RETURN_IF_ERROR(api::RequireUuid(absl::StrCat(field, "[", i, "]"), ids[i]));
    std::string id = absl::AsciiStrToLower(ids[i]);
    if (seen.insert(id).second) distinct.push_back(std::move(id));
  }
  return distinct;
}

}  // namespace

const db::EnumCodes<DeliveryState>& DeliveryStateCodes() {
  static const auto* codes = new db::EnumCodes<DeliveryState>({
      {DeliveryState::kQueued, "queued"},
      {DeliveryState::kSending, "sending"},
      {DeliveryState::kSent, "sent"},
      {DeliveryState::kFailed, "failed"},
      {DeliveryState::kInvalidToken, "invalid_token"},
      {DeliveryState::kMuted, "muted"},
      {DeliveryState::kExpired, "expired"},
  });
  return *codes;
}

const db::EnumCodes<v1::Priority>& PriorityCodes() {
  static const auto* codes = new db::EnumCodes<v1::Priority>(
      {{v1::PRIORITY_NORMAL, "normal"}, {v1::PRIORITY_HIGH, "high"}});
  return *codes;
}

absl::StatusOr<std::vector<std::string>> ValidateSend(const v1::SendNotificationRequest& request) {
  QS_ASSIGN_OR_RETURN(
      std::vector<std::string> recipients,
      DistinctUuids("recipient_user_ids", request.recipient_user_ids(), kMaxRecipients));
  for (size_t i = 0; i < recipients.size(); ++i) {
    if (recipients[i] == kSystemUserId) {
      return absl::InvalidArgumentError(
          "recipient_user_ids: the nil UUID is the system, not a recipient");
    }
  }
  QS_RETURN_IF_ERROR(ValidateCategory("category", request.category()));
  QS_RETURN_IF_ERROR(api::RequireMaxLength("title", request.title(), kMaxTitleBytes));
  QS_RETURN_IF_ERROR(api::RequireValidUtf8("title", request.title()));
  QS_RETURN_IF_ERROR(api::RequireMaxLength("body", request.body(), kMaxBodyBytes));
  QS_RETURN_IF_ERROR(api::RequireValidUtf8("body", request.body()));
  QS_RETURN_IF_ERROR(ValidateData(request.data()));
  if (request.title().empty() && request.body().empty() && request.data().empty()) {
    return absl::InvalidArgumentError("title: title, body or data is required");
  }
  QS_RETURN_IF_ERROR(api::RequireMaxLength("deep_link", request.deep_link(), kMaxDeepLinkBytes));
  if (!IsPrintableWithoutSpace(request.deep_link())) {
    return absl::InvalidArgumentError(
        "deep_link: only printable ASCII without spaces (percent-encode the rest)");
  }
  QS_RETURN_IF_ERROR(
      api::RequireKnownEnumIfSet("priority", request.priority(), v1::Priority_IsValid));
  QS_RETURN_IF_ERROR(
      api::RequireMaxLength("collapse_key", request.collapse_key(), kMaxCollapseKeyBytes));
  if (!IsPrintableWithoutSpace(request.collapse_key())) {
    return absl::InvalidArgumentError("collapse_key: only printable ASCII without spaces");
  }
  QS_RETURN_IF_ERROR(api::RequireInRange("time_to_live_seconds",
                                         int64_t{request.time_to_live_seconds()}, 0,
                                         int64_t{kMaxTimeToLiveSeconds}));
  return recipients;
}

absl::Status CheckSenderMaySend(absl::string_view sender, absl::string_view category,
                                bool critical) {
  if (!critical || sender == kSystemUserId) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "category \"", category, "\" is critical: only the system sender may send in it"));
}

absl::StatusOr<std::vector<std::string>> ValidateNotificationIds(
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  return DistinctUuids("notification_ids", ids, kMaxMarkedIds);
}

absl::Status ValidateFilter(int filter) {
  if (!v1::InboxFilter_IsValid(filter)) {
    return absl::InvalidArgumentError("filter: must be ALL, UNREAD, UNSEEN or ARCHIVED");
  }
  return absl::OkStatus();
}

SendPlan PlanSend(const std::vector<std::string>& recipients,
                  const std::map<std::string, RecipientPreferences>& preferences,
                  const std::vector<ActiveToken>& tokens, bool critical, absl::Time now,
                  absl::Duration time_to_live, const std::function<std::string()>& new_id) {
  SendPlan plan;
  std::map<std::string, std::vector<const ActiveToken*>> tokens_of;
  for (const ActiveToken& token : tokens) tokens_of[token.user_id].push_back(&token);
  static const RecipientPreferences kDefaults;
  for (const std::string& user : recipients) {
    auto found = preferences.find(user);
    const Channels channels =
        ChannelsFor(found == preferences.end() ? kDefaults : found->second, critical);
    PlannedNotification& notification =
        plan.notifications.emplace_back(PlannedNotification{new_id(), user, channels.in_inbox});
    v1::SentNotification& sent = *plan.response.add_notifications();
    sent.set_user_id(user);
    sent.set_notification_id(notification.id);
    sent.set_in_inbox(channels.in_inbox);
    for (const ActiveToken* token : tokens_of[user]) {
      PlannedDelivery& delivery = plan.deliveries.emplace_back(
          PlannedDelivery{notification.id, token->push_token_id, user});
      if (!channels.push) {
        delivery.state = DeliveryState::kMuted;
        sent.set_deliveries_muted(sent.deliveries_muted() + 1);
        continue;
      }
      std::optional<absl::Time> held_until;
      if (channels.quiet_hours) {
        const std::string& zone = channels.quiet_hours->time_zone.empty()
                                      ? token->time_zone
                                      : channels.quiet_hours->time_zone;
        held_until = QuietHoursEnd(*channels.quiet_hours, ZoneOrUtc(zone), now);
      }
      if (!held_until) {
        sent.set_deliveries_queued(sent.deliveries_queued() + 1);
      } else if (time_to_live > absl::ZeroDuration() && *held_until >= now + time_to_live) {
        delivery.state = DeliveryState::kExpired;
        sent.set_deliveries_expired(sent.deliveries_expired() + 1);
      } else {
        delivery.next_attempt_at = *held_until;
        sent.set_deliveries_held_for_quiet_hours(sent.deliveries_held_for_quiet_hours() + 1);
      }
    }
  }
  return plan;
}

}  // namespace qs::notification
