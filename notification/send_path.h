// The one send path of notifications: validate a send, plan it from the
// recipients' preferences and active tokens read in the writing
// transaction (inbox_rules.h PlanSend), and write the plan (InboxStore).
// notification.v1.InboxService/SendNotification and the event handlers
// (social_event_handlers.h, quest_event_handlers.h) both send through it, so
// a push caused by an event honours preferences, quiet hours, critical
// categories and token state exactly like an API send.
//
//   NotificationSender sender(settings);
//   // An API call: validate before taking a connection, write in its tx.
//   QS_ASSIGN_OR_RETURN(ValidatedSend send, sender.Validate(user, request));
//   database.Write([&](db::WriteTx& tx) { return sender.Write(tx, send); });
//   // An event handler, inside the consumer's transaction:
//   QS_RETURN_IF_ERROR(sender.Send(tx, kSystemUserId, request).status());
#ifndef QS_NOTIFICATION_SEND_PATH_H_
#define QS_NOTIFICATION_SEND_PATH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/db/transaction.h"
#include "notification/inbox_store.h"
#include "notification/notification_settings.h"
#include "notification/preference_store.h"
#include "notification/token_store.h"
#include "proto/notification/v1/inbox.pb.h"

namespace qs::notification {

// Where a send's notifications go besides their pushes.
enum class SendMode {
  // The recipient's inbox (unless they muted it for the category) + pushes.
  kInboxAndPush,
  // Pushes only: the notification rows are written hidden from the inbox
  // (as for a muted inbox), so pushes keep their delivery records and
  // retention. For streams with an inbox of their own (chat messages).
  kPushOnly,
};

// A send that passed validation. Refers to the request it was made from,
// which must outlive it.
struct ValidatedSend {
  const v1::SendNotificationRequest* request = nullptr;
  // Distinct, lower-cased, in request order.
  std::vector<std::string> recipients;
  // The sending user; "" = the system.
  std::string sender_user_id;
  bool critical = false;
  SendMode mode = SendMode::kInboxAndPush;
};

// Thread-safe: the stores hold no state, so the API's threads and the
// consumers' threads share one sender each.
class NotificationSender {
 public:
  explicit NotificationSender(NotificationSettings settings) : settings_(std::move(settings)) {}

  // Every field of `request` (INVALID_ARGUMENT naming it) and whether
  // `sender` (an x-user-id, kSystemUserId for the system) may send in its
  // category (PERMISSION_DENIED for a critical one). No I/O.
  absl::StatusOr<ValidatedSend> Validate(absl::string_view sender,
                                         const v1::SendNotificationRequest& request,
                                         SendMode mode = SendMode::kInboxAndPush) const;

  // Plans `send` from the preferences and tokens as of `tx` (so the plan is
  // of the state it is written into; tokens stay share-locked until `tx`
  // ends) and writes it in `tx`. Two round trips whatever the number of
  // recipients: one read of the preferences, one of the tokens; the writes
  // are deferred to the next statement or the COMMIT (InboxStore::InsertSend),
  // so their errors surface there. libpqxx exceptions propagate to the
  // transaction's owner.
  v1::SendNotificationResponse Write(db::WriteTx& tx, const ValidatedSend& send);

  // Validate, then Write, in `tx`: nothing is written when validation fails.
  absl::StatusOr<v1::SendNotificationResponse> Send(db::WriteTx& tx, absl::string_view sender,
                                                    const v1::SendNotificationRequest& request,
                                                    SendMode mode = SendMode::kInboxAndPush);

  // Sends each of `requests` as the system (kSystemUserId) in `tx`: the
  // sends an event causes (event_rules.h). The first error is returned;
  // the caller's transaction then rolls back the sends before it.
  absl::Status SendAllAsSystem(db::WriteTx& tx,
                               const std::vector<v1::SendNotificationRequest>& requests,
                               SendMode mode = SendMode::kInboxAndPush);

 private:
  const NotificationSettings settings_;
  InboxStore inbox_;
  PreferenceStore preferences_;
  TokenStore tokens_;
};

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_SEND_PATH_H_
