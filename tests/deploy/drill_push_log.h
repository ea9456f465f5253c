// What a notification instance's log says about its pushes, for the
// scale-out drill's proof that two delivery workers never send one delivery
// twice (compose_drill_scale_out.cc). Pure: the drill passes `podman logs`.
//
// The compose stack delivers through the log provider (PUSH_FCM_PROVIDER's
// default, notification/delivery/log_provider.h), which logs one line per
// send; the line names the delivery by its message_id, the delivery id:
//
//   [...] [info] push (log provider): fcm token=…a1b2c3 message_id=<delivery id> priority=...
//
// The worker warns when it could not record a send's outcome
// (notification/delivery_worker.cc RecordWith): the row stays `sending`
// until its lease expires and another claim sends it again. Such a delivery
// is the only one that may legitimately be sent twice.
//
//   PushLog log = ParsePushLog(stack.project().Logs(notification_2));
//   log.sends["6f1c..."]   // how often this instance sent delivery 6f1c...
#ifndef QS_TESTS_DEPLOY_DRILL_PUSH_LOG_H_
#define QS_TESTS_DEPLOY_DRILL_PUSH_LOG_H_

#include <map>
#include <set>
#include <string>

#include "absl/strings/string_view.h"

namespace qs::drill {

struct PushLog {
  // Delivery id -> log-provider lines naming it.
  std::map<std::string, int> sends;
  // Log-provider lines in all.
  int lines = 0;
  // Deliveries whose outcome the worker failed to record ("outcome ... not
  // recorded", "lease lost before recording ..."): a later claim may re-send them.
  std::set<std::string> unrecorded;
};

// Reads every line of `log` (text or LOG_FORMAT=json lines alike: only the
// message's words are looked at).
PushLog ParsePushLog(absl::string_view log);

}  // namespace qs::drill

#endif  // QS_TESTS_DEPLOY_DRILL_PUSH_LOG_H_
