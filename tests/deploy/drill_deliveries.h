// The push deliveries of the scale-out drill: push tokens registered for
// every user that will receive a friend request, and the proof that the two
// notification instances' delivery workers (SKIP LOCKED claims, leases:
// notification/delivery_worker.h) delivered each friend_request
// notification once per token — every delivery `sent`, each sent by exactly
// one instance, both instances sending.
//
//   CallTally calls;
//   absl::StatusOr<PushRecipients> recipients = RegisterPushRecipients(notification, 100, calls);
//   SteadyWriters writers(social, quest, puzzle, recipients->user_ids);
//   ... writes, outages, the stream drains ...
//   ExpectEveryDeliverySentOnce(project, *recipients, {"notification", "notification-2"});
//
// Which instance sent what comes from their logs (drill_push_log.h): the
// compose stack sends through the log provider, one line per send.
#ifndef QS_TESTS_DEPLOY_DRILL_DELIVERIES_H_
#define QS_TESTS_DEPLOY_DRILL_DELIVERIES_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "tests/deploy/drill_calls.h"
#include "tests/deploy/drill_compose.h"

namespace qs::drill {

// Users with registered push tokens, and each one's push_tokens ids.
struct PushRecipients {
  std::vector<std::string> user_ids;
  std::map<std::string, std::set<std::string>> token_ids_of;

  int tokens() const;
};

// Registers push tokens (RegisterPushToken, platform FCM, which the compose
// stack delivers through the log provider) for `users` new users: every
// third of them on two installations, the others on one, so that "one
// delivery per token" is shown for more than one token. Each call is
// retried while UNAVAILABLE (a registration is an upsert of its
// installation); answers in `tally`.
absl::StatusOr<PushRecipients> RegisterPushRecipients(
    const std::shared_ptr<grpc::Channel>& notification, int users, CallTally& tally);

// Polls notification_db until no delivery is `queued` or `sending`; false
// at `timeout`. A delivery whose outcome was lost stays `sending` until its
// lease expires (DELIVERY_LEASE_MS, 60 s in the compose stack): a timeout
// shorter than that cannot see it sent again.
bool WaitDeliveriesSettled(const ComposeProject& project, absl::Duration timeout);

// gtest failures unless, in notification_db and the logs of `instances`
// (compose services): every friend_request notification has exactly one
// delivery per token of its recipient; every one of them is `sent`; each
// was sent (a log-provider line) by some instance, every instance sent some;
// and none was sent twice — unless the instance that sent it first logged
// that it could not record the outcome (its lease then expired and another
// claim sent it again), and even then no more often than its attempts.
// Prints the figures as [drill] lines.
void ExpectEveryDeliverySentOnce(const ComposeProject& project, const PushRecipients& recipients,
                                 const std::vector<std::string>& instances);

}  // namespace qs::drill

#endif  // QS_TESTS_DEPLOY_DRILL_DELIVERIES_H_
