#include "tests/bench/notification_scenarios.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/uuid.h"
#include "common/db/db_error.h"
#include "pqxx/pqxx"
#include "proto/notification/v1/inbox.pb.h"
#include "tests/bench/scenario_support.h"

namespace qs::bench {
namespace {

namespace v1 = ::notification::v1;

// The x-user-id of a system caller (notification/inbox_rules.h): jobs and
// other services send as the system.
constexpr char kSystemUserId[] = "00000000-0000-0000-0000-000000000000";

CallSpec ListNotifications(std::shared_ptr<NotificationData> data, v1::InboxFilter filter) {
  return {
      filter == v1::INBOX_FILTER_UNREAD ? "ListNotifications(UNREAD)" : "ListNotifications(ALL)",
      "/notification.v1.InboxService/ListNotifications", 1, [data, filter](Random& random) {
        v1::ListNotificationsRequest request;
        request.set_filter(filter);
        request.set_page_size(20);
        return MakeRequest(request, AsUser(AnyOf(data->users, random)));
      }};
}

CallSpec GetUnreadCount(std::shared_ptr<NotificationData> data) {
  return {"GetUnreadCount", "/notification.v1.InboxService/GetUnreadCount", 1,
          [data](Random& random) {
            return MakeRequest(v1::GetUnreadCountRequest(), AsUser(AnyOf(data->users, random)));
          }};
}

CallSpec MarkRead(std::shared_ptr<NotificationData> data) {
  return {"MarkRead", "/notification.v1.InboxService/MarkRead", 1, [data](Random& random) {
            const NotificationData::Owned& owned = AnyOf(data->inbox, random);
            v1::MarkNotificationsRequest request;
            request.add_notification_ids(owned.notification_id);
            return MakeRequest(request, AsUser(owned.user_id));
          }};
}

CallSpec SendNotification(std::shared_ptr<NotificationData> data) {
  return {"SendNotification", "/notification.v1.InboxService/SendNotification", 1,
          [data](Random& random) {
            // 1,000 distinct recipients: a run of the shuffled owners from a
            // random start.
            const std::vector<std::string>& owners = data->token_owners;
            const size_t start = random() % owners.size();
            v1::SendNotificationRequest request;
            for (int i = 0; i < kSendRecipients; ++i) {
              request.add_recipient_user_ids(owners[(start + i) % owners.size()]);
            }
            request.set_category("puzzle_daily");
            request.set_title("Today's puzzle");
            request.set_body("A new daily puzzle is waiting");
            (*request.mutable_data())["puzzle_id"] = api::NewUuidV4();
            // As a job sends it: its retry would be answered, not re-sent.
            request.set_request_id(api::NewUuidV4());
            return MakeRequest(request, AsUser(kSystemUserId));
          }};
}

}  // namespace

absl::StatusOr<std::shared_ptr<NotificationData>> LoadNotificationData(
    const std::string& conninfo, const NotificationDataOptions& options) {
  auto data = std::make_shared<NotificationData>();
  try {
    pqxx::connection connection(conninfo);
    pqxx::work tx(connection);
    const std::string limit = std::to_string(options.sample);
    // The inbox as the service shows it (inbox_store.cc's kInInbox).
    data->users = Column(tx,
                         "SELECT user_id::text FROM (SELECT DISTINCT user_id FROM "
                         "notification_logs WHERE in_inbox AND deleted_at IS NULL) u "
                         "ORDER BY random() LIMIT " +
                             limit);
    for (const auto& row :
         tx.exec("SELECT user_id::text, id::text FROM notification_logs "
                 "WHERE in_inbox AND deleted_at IS NULL ORDER BY random() LIMIT " +
                 limit)) {
      data->inbox.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
    }
    data->token_owners = Column(tx,
                                "SELECT user_id::text FROM (SELECT DISTINCT user_id FROM "
                                "push_tokens WHERE invalidated_at IS NULL) u ORDER BY random()");
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, "loading benchmark data");
  }
  if (data->users.empty() || data->inbox.empty()) {
    return absl::FailedPreconditionError(
        "the database has no notifications in an inbox: seed it first "
        "(bazel run //notification:seed)");
  }
  if (data->token_owners.size() < static_cast<size_t>(kSendRecipients)) {
    return absl::FailedPreconditionError(
        absl::StrCat("SendNotification needs ", kSendRecipients,
                     " users with a valid push token; the database has ", data->token_owners.size(),
                     " (seed more users)"));
  }
  return data;
}

std::vector<std::string> NotificationScenarioNames() {
  return {"list_notifications", "list_unread", "unread_count", "mark_read", "send_notification"};
}

absl::StatusOr<Scenario> NotificationScenario(const std::string& name,
                                              const std::shared_ptr<NotificationData>& data) {
  if (name == "list_notifications") {
    return Scenario{name, {ListNotifications(data, v1::INBOX_FILTER_ALL)}};
  }
  if (name == "list_unread")
    return Scenario{name, {ListNotifications(data, v1::INBOX_FILTER_UNREAD)}};
  if (name == "unread_count") return Scenario{name, {GetUnreadCount(data)}};
  if (name == "mark_read") return Scenario{name, {MarkRead(data)}};
  if (name == "send_notification") return Scenario{name, {SendNotification(data)}};
  return absl::InvalidArgumentError(absl::StrCat("scenario: unknown \"", name, "\" (one of ",
                                                 absl::StrJoin(NotificationScenarioNames(), ", "),
                                                 ")"));
}

}  // namespace qs::bench
