// Settings of the notifications caused by other services' events
// (event_rules.h), read by notification/main.cc with the other settings:
//
//   STREAK_MILESTONES   7,30,100,365   comma-separated daily-streak lengths
//                                      (days, 1..3650, at most 32) that get
//                                      a "streak_milestone" notification
#ifndef QS_NOTIFICATION_EVENT_SETTINGS_H_
#define QS_NOTIFICATION_EVENT_SETTINGS_H_

#include <set>

#include "absl/status/statusor.h"
#include "common/config/env.h"

namespace qs::notification {

struct EventNoticeSettings {
  std::set<int> streak_milestones = {7, 30, 100, 365};
};

// An error names the variable and the accepted values.
absl::StatusOr<EventNoticeSettings> LoadEventNoticeSettings(const config::EnvLookup& env);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_EVENT_SETTINGS_H_
