#include "notification/send_path.h"

#include <utility>

#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/base/status_macros.h"
#include "notification/inbox_rules.h"

namespace qs::notification {

absl::StatusOr<ValidatedSend> NotificationSender::Validate(
    absl::string_view sender, const v1::SendNotificationRequest& request, SendMode mode) const {
  ValidatedSend send;
  QS_ASSIGN_OR_RETURN(send.recipients, ValidateSend(request));
  send.critical = settings_.IsCritical(request.category());
  QS_RETURN_IF_ERROR(CheckSenderMaySend(sender, request.category(), send.critical));
  send.request = &request;
  send.sender_user_id = sender == kSystemUserId ? "" : std::string(sender);
  send.mode = mode;
  return send;
}

v1::SendNotificationResponse NotificationSender::Write(db::WriteTx& tx, const ValidatedSend& send) {
  const v1::SendNotificationRequest& request = *send.request;
  SendPlan plan =
      PlanSend(send.recipients, preferences_.ForSend(tx, send.recipients, request.category()),
               tokens_.ActiveTokensOf(tx, send.recipients), send.critical, absl::Now(),
               absl::Seconds(request.time_to_live_seconds()), api::NewUuidV4);
  if (send.mode == SendMode::kPushOnly) {
    for (PlannedNotification& notification : plan.notifications) notification.in_inbox = false;
    for (v1::SentNotification& sent : *plan.response.mutable_notifications()) {
      sent.set_in_inbox(false);
    }
  }
  inbox_.InsertSend(tx, send.sender_user_id, request, plan);
  return std::move(plan.response);
}

absl::StatusOr<v1::SendNotificationResponse> NotificationSender::Send(
    db::WriteTx& tx, absl::string_view sender, const v1::SendNotificationRequest& request,
    SendMode mode) {
  QS_ASSIGN_OR_RETURN(ValidatedSend send, Validate(sender, request, mode));
  return Write(tx, send);
}

absl::Status NotificationSender::SendAllAsSystem(
    db::WriteTx& tx, const std::vector<v1::SendNotificationRequest>& requests, SendMode mode) {
  for (const v1::SendNotificationRequest& request : requests) {
    QS_RETURN_IF_ERROR(Send(tx, kSystemUserId, request, mode).status());
  }
  return absl::OkStatus();
}

}  // namespace qs::notification
