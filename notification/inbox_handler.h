// notification.v1.InboxService: a send through the send path (send_path.h:
// validate, plan from the recipients' preferences and tokens, write); the
// inbox reads and marks. SendNotification and the marks write the primary
// (a mark returns the rows after it, read in the same transaction);
// ListNotifications and GetUnreadCount read the replica, non-blocking
// (ServeAsyncMethods).
#ifndef QS_NOTIFICATION_INBOX_HANDLER_H_
#define QS_NOTIFICATION_INBOX_HANDLER_H_

#include "common/api/page_token.h"
#include "common/db/database.h"
#include "common/grpc/method_table.h"
#include "notification/inbox_store.h"
#include "notification/notification_settings.h"
#include "notification/send_path.h"
#include "proto/notification/v1/inbox.grpc.pb.h"

namespace qs::notification {

class InboxHandler final : public v1::InboxService::Service {
 public:
  InboxHandler(db::Database& database, api::PageTokenCodec page_tokens,
               NotificationSettings settings);

  // ListNotifications and GetUnreadCount run here, non-blocking
  // (common/grpc/method_table.h).
  void ServeAsyncMethods(grpc_util::MethodTable& methods);

  grpc::Status SendNotification(grpc::ServerContext* context,
                                const v1::SendNotificationRequest* request,
                                v1::SendNotificationResponse* response) override;
  grpc::Status MarkSeen(grpc::ServerContext* context, const v1::MarkNotificationsRequest* request,
                        v1::MarkNotificationsResponse* response) override;
  grpc::Status MarkRead(grpc::ServerContext* context, const v1::MarkNotificationsRequest* request,
                        v1::MarkNotificationsResponse* response) override;
  grpc::Status MarkUnread(grpc::ServerContext* context, const v1::MarkNotificationsRequest* request,
                          v1::MarkNotificationsResponse* response) override;
  grpc::Status MarkAllRead(grpc::ServerContext* context, const v1::MarkAllReadRequest* request,
                           v1::MarkAllReadResponse* response) override;
  grpc::Status Archive(grpc::ServerContext* context, const v1::MarkNotificationsRequest* request,
                       v1::MarkNotificationsResponse* response) override;
  grpc::Status Delete(grpc::ServerContext* context, const v1::MarkNotificationsRequest* request,
                      v1::DeleteNotificationsResponse* response) override;

 private:
  // The shared path of MarkSeen / MarkRead / MarkUnread / Archive.
  grpc::Status MarkAndReturn(grpc::ServerContext& context,
                             const v1::MarkNotificationsRequest& request, InboxMark mark,
                             v1::MarkNotificationsResponse* response);

  db::Database& database_;
  api::PageTokenCodec page_tokens_;
  NotificationSender sender_;
  InboxStore inbox_;
};

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_INBOX_HANDLER_H_
