// Settings of the notification service beyond the common ones (common/config):
//
//   TOKEN_STALE_DAYS                  270   a registration unseen this long is pruned
//                                           (FCM's own expiry; decimals allowed)
//   RETENTION_DAYS                    90    notifications (with their deliveries, once
//                                           all finished) older than this are pruned
//   NOTIFICATION_PRUNE_INTERVAL_MS    3600000  how often both prunes run
//   NOTIFICATION_CRITICAL_CATEGORIES  ""    comma-separated categories that ignore
//                                           opt-outs and quiet hours
#ifndef QS_NOTIFICATION_NOTIFICATION_SETTINGS_H_
#define QS_NOTIFICATION_NOTIFICATION_SETTINGS_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config/env.h"

namespace qs::notification {

struct NotificationSettings {
  absl::Duration token_stale_after = absl::Hours(24 * 270);
  absl::Duration retention = absl::Hours(24 * 90);
  absl::Duration prune_interval = absl::Hours(1);
  // Rows deleted per transaction of a prune.
  int prune_batch_size = 500;
  std::set<std::string> critical_categories;

  bool IsCritical(absl::string_view category) const {
    return critical_categories.count(std::string(category)) > 0;
  }
};

// An error names the variable and the accepted values.
absl::StatusOr<NotificationSettings> LoadNotificationSettings(const config::EnvLookup& env);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_NOTIFICATION_SETTINGS_H_
