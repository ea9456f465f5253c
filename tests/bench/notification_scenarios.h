// The notification service's benchmark scenarios over seeded data
// (notification/seed_data.h), one per RPC of issue 10's benchmark:
//   list_notifications  ListNotifications (ALL), a first page of 20
//   list_unread         ListNotifications (UNREAD), a first page of 20
//   unread_count        GetUnreadCount (total and per category)
//   mark_read           MarkRead of one notification in the caller's inbox
//   send_notification   SendNotification from the system to 1,000 distinct
//                       recipients, each with a valid push token
//
//   auto data = LoadNotificationData(conninfo, {});
//   absl::StatusOr<Scenario> scenario = NotificationScenario("list_unread", *data);
#ifndef QS_TESTS_BENCH_NOTIFICATION_SCENARIOS_H_
#define QS_TESTS_BENCH_NOTIFICATION_SCENARIOS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/bench/load_generator.h"

namespace qs::bench {

inline constexpr int kSendRecipients = 1000;

// Ids sampled from the database, so requests hit real rows at random.
struct NotificationData {
  struct Owned {
    std::string user_id;
    std::string notification_id;
  };
  std::vector<std::string> users;         // users with notifications in their inbox
  std::vector<Owned> inbox;               // (user, a notification in their inbox)
  std::vector<std::string> token_owners;  // users with a valid token, shuffled
};

struct NotificationDataOptions {
  int sample = 20000;  // ids sampled per kind (token owners: all of them)
};

// FAILED_PRECONDITION when the database was not seeded, or has fewer than
// kSendRecipients users with a valid token.
absl::StatusOr<std::shared_ptr<NotificationData>> LoadNotificationData(
    const std::string& conninfo, const NotificationDataOptions& options);

std::vector<std::string> NotificationScenarioNames();

// INVALID_ARGUMENT for an unknown name.
absl::StatusOr<Scenario> NotificationScenario(const std::string& name,
                                              const std::shared_ptr<NotificationData>& data);

}  // namespace qs::bench

#endif  // QS_TESTS_BENCH_NOTIFICATION_SCENARIOS_H_
