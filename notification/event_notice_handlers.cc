#include "notification/event_notice_handlers.h"

#include <string>
#include <vector>

#include "common/base/status_macros.h"
#include "common/privacy/erasure_store.h"
#include "notification/event_rules.h"

namespace qs::notification {
namespace {

// Drops the recipients an erasure has removed (their UserErased arrived
// before this event, published on another stream before it), and the
// notices left with none: an event must not bring an erased user back.
Notices WithoutErasedRecipients(db::WriteTx& tx, Notices notices) {
  Notices kept;
  for (v1::SendNotificationRequest& notice : notices) {
    std::vector<std::string> recipients;
    for (const std::string& user : notice.recipient_user_ids()) {
      if (!privacy::ErasureStore::IsErased(tx, user)) recipients.push_back(user);
    }
    if (recipients.empty()) continue;
    notice.mutable_recipient_user_ids()->Assign(recipients.begin(), recipients.end());
    kept.push_back(std::move(notice));
  }
  return kept;
}

// One handler: the event's notices (a pure rule), sent as the system in the
// consumer's transaction.
template <typename Payload, typename Rule>
void OnNotices(events::EventHandlers& handlers, const std::string& source,
               NotificationSender& sender, Rule rule, SendMode mode = SendMode::kInboxAndPush) {
  handlers.On<Payload>(
      source,
      [&sender, rule = std::move(rule), mode](db::WriteTx& tx,
                                              const ::events::v1::EventEnvelope& /*envelope*/,
                                              const Payload& event) -> absl::Status {
        QS_ASSIGN_OR_RETURN(Notices notices, rule(event));
        return sender.SendAllAsSystem(tx, WithoutErasedRecipients(tx, std::move(notices)), mode);
      });
}

}  // namespace

void RegisterEventNoticeHandlers(events::EventHandlers& handlers, NotificationSender& sender,
                                 const EventNoticeSettings& settings) {
  OnNotices<::social::v1::FriendRequestSent>(handlers, "social", sender, FriendRequestSentNotices);
  OnNotices<::social::v1::FriendRequestAccepted>(handlers, "social", sender,
                                                 FriendRequestAcceptedNotices);
  OnNotices<::social::v1::ChatMessageSent>(handlers, "social", sender, ChatMessageSentNotices,
                                           SendMode::kPushOnly);
  OnNotices<::social::v1::GuildJoinRequested>(handlers, "social", sender,
                                              GuildJoinRequestedNotices);
  OnNotices<::social::v1::GuildMemberJoined>(handlers, "social", sender, GuildMemberJoinedNotices);
  OnNotices<::quest::v1::MatchFinished>(handlers, "quest", sender, MatchFinishedNotices);
  OnNotices<::quest::v1::PuzzleSolved>(
      handlers, "quest", sender,
      [milestones = settings.streak_milestones](const ::quest::v1::PuzzleSolved& solved) {
        return PuzzleSolvedNotices(solved, milestones);
      });
}

}  // namespace qs::notification
