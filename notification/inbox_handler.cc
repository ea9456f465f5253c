#include "notification/inbox_handler.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/idempotency.h"
#include "common/api/keyset_page.h"
#include "common/base/status_macros.h"
#include "common/db/row_mapping.h"
#include "common/grpc/async_handler.h"
#include "common/grpc/handler.h"
#include "common/grpc/page_reply.h"
#include "notification/inbox_rules.h"
#include "proto/notification/v1/notification_methods.h"

namespace qs::notification {

using grpc_util::HandleAsUser;

namespace {
constexpr char kService[] = "notification.v1.InboxService/";
}  // namespace

InboxHandler::InboxHandler(db::Database& database, api::PageTokenCodec page_tokens,
                           NotificationSettings settings)
    : database_(database), page_tokens_(std::move(page_tokens)), sender_(std::move(settings)) {}

grpc::Status InboxHandler::SendNotification(grpc::ServerContext* context,
                                            const v1::SendNotificationRequest* request,
                                            v1::SendNotificationResponse* response) {
  return HandleAsUser(
      *context, response,
      [&](const std::string& user) -> absl::StatusOr<v1::SendNotificationResponse> {
        QS_ASSIGN_OR_RETURN(ValidatedSend validated, sender_.Validate(user, *request));
        auto send = [&](db::WriteTx& tx) -> absl::StatusOr<v1::SendNotificationResponse> {
          return sender_.Write(tx, validated);
        };
        if (request->request_id().empty()) return database_.Write(send);
        return api::RunIdempotent<v1::SendNotificationResponse>(
            database_,
            api::IdempotencyKey{absl::StrCat(kService, "SendNotification:", user),
                                request->request_id(), *request},
            send);
      });
}

void InboxHandler::ServeAsyncMethods(grpc_util::MethodTable& methods) {
  // The inbox's reads, the most frequent calls: one statement each on the
  // replica, answered from the read path's callback without a worker.
  grpc_util::ServeAsyncAsUser(
      methods, &v1::InboxService::Service::ListNotifications,
      [this](const v1::ListNotificationsRequest& request, const std::string& user,
             grpc_util::Reply<v1::ListNotificationsRequest, v1::ListNotificationsResponse> reply) {
        QS_REPLY_IF_ERROR(reply, ValidateFilter(request.filter()));
        const v1::InboxFilter filter = request.filter() == v1::INBOX_FILTER_UNSPECIFIED
                                           ? v1::INBOX_FILTER_ALL
                                           : request.filter();
        absl::StatusOr<api::KeysetPage> page = api::KeysetPage::Open(
            page_tokens_, absl::StrCat(kService, "ListNotifications|", user, "|", filter),
            request.page_size(), request.page_token());
        QS_REPLY_IF_ERROR(reply, page.status());
        InboxStore::ListAsync(
            database_.async_reads(), user, filter, page->after(), page->fetch_limit(),
            reply.deadline(),
            grpc_util::ReplyWithPage(
                reply, *page, &v1::ListNotificationsResponse::mutable_notifications,
                [](const v1::Notification& last) {
                  return api::KeysetPosition{db::TimestampMicros(last.created_at()), last.id()};
                }));
      });
  grpc_util::ServeAsyncAsUser(
      methods, &v1::InboxService::Service::GetUnreadCount,
      [this](const v1::GetUnreadCountRequest& /*request*/, const std::string& user,
             grpc_util::Reply<v1::GetUnreadCountRequest, v1::GetUnreadCountResponse> reply) {
        InboxStore::UnreadByCategoryAsync(
            database_.async_reads(), user, reply.deadline(),
            [reply](absl::StatusOr<std::map<std::string, int64_t>> counts) {
              if (!counts.ok()) return reply(counts.status());
              v1::GetUnreadCountResponse response;
              int64_t total = 0;
              for (const auto& [category, count] : *counts) {
                (*response.mutable_by_category())[category] = count;
                total += count;
              }
              response.set_total(total);
              reply(std::move(response));
            });
      });
}

grpc::Status InboxHandler::MarkAndReturn(grpc::ServerContext& context,
                                         const v1::MarkNotificationsRequest& request,
                                         InboxMark mark, v1::MarkNotificationsResponse* response) {
  return HandleAsUser(context, response, [&](const std::string& user) -> absl::Status {
    QS_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                        ValidateNotificationIds(request.notification_ids()));
    QS_ASSIGN_OR_RETURN(
        std::vector<v1::Notification> marked,
        database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<std::vector<v1::Notification>> {
          return inbox_.Mark(tx, user, ids, mark);
        }));
    for (v1::Notification& notification : marked) {
      *response->add_notifications() = std::move(notification);
    }
    return absl::OkStatus();
  });
}

grpc::Status InboxHandler::MarkSeen(grpc::ServerContext* context,
                                    const v1::MarkNotificationsRequest* request,
                                    v1::MarkNotificationsResponse* response) {
  return MarkAndReturn(*context, *request, InboxMark::kSeen, response);
}

grpc::Status InboxHandler::MarkRead(grpc::ServerContext* context,
                                    const v1::MarkNotificationsRequest* request,
                                    v1::MarkNotificationsResponse* response) {
  return MarkAndReturn(*context, *request, InboxMark::kRead, response);
}

grpc::Status InboxHandler::MarkUnread(grpc::ServerContext* context,
                                      const v1::MarkNotificationsRequest* request,
                                      v1::MarkNotificationsResponse* response) {
  return MarkAndReturn(*context, *request, InboxMark::kUnread, response);
}

grpc::Status InboxHandler::Archive(grpc::ServerContext* context,
                                   const v1::MarkNotificationsRequest* request,
                                   v1::MarkNotificationsResponse* response) {
  return MarkAndReturn(*context, *request, InboxMark::kArchive, response);
}

grpc::Status InboxHandler::MarkAllRead(grpc::ServerContext* context,
                                       const v1::MarkAllReadRequest* request,
                                       v1::MarkAllReadResponse* response) {
  return HandleAsUser(
      *context, response, [&](const std::string& user) -> absl::StatusOr<v1::MarkAllReadResponse> {
        if (!request->category().empty()) {
          QS_RETURN_IF_ERROR(ValidateCategory("category", request->category()));
        }
        QS_ASSIGN_OR_RETURN(int64_t marked, database_.Write([&](db::WriteTx& tx) {
          return absl::StatusOr<int64_t>(inbox_.MarkAllRead(tx, user, request->category()));
        }));
        v1::MarkAllReadResponse result;
        result.set_marked(marked);
        return result;
      });
}

grpc::Status InboxHandler::Delete(grpc::ServerContext* context,
                                  const v1::MarkNotificationsRequest* request,
                                  v1::DeleteNotificationsResponse* response) {
  return HandleAsUser(
      *context, response,
      [&](const std::string& user) -> absl::StatusOr<v1::DeleteNotificationsResponse> {
        QS_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                            ValidateNotificationIds(request->notification_ids()));
        QS_RETURN_IF_ERROR(database_.Write([&](db::WriteTx& tx) -> absl::Status {
          return inbox_.Mark(tx, user, ids, InboxMark::kDelete).status();
        }));
        v1::DeleteNotificationsResponse deleted;
        for (std::string& id : ids) deleted.add_notification_ids(std::move(id));
        return deleted;
      });
}

}  // namespace qs::notification
