#include "notification/event_notice_handlers.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "common/api/uuid.h"
#include "common/base/status_macros.h"
#include "common/privacy/erasure_store.h"
#include "notification/event_rules.h"

namespace qs::notification {
namespace {

// The UUIDs in `text`: a data value is one (requester_id, sender_id, ...),
// a deep link may hold several among its path segments.
void CollectUuids(absl::string_view text, std::vector<std::string>& ids) {
  constexpr size_t kUuidLength = 36;
  for (size_t i = 0; i + kUuidLength <= text.size(); ++i) {
    if (!api::IsUuid(text.substr(i, kUuidLength))) continue;
    ids.emplace_back(text.substr(i, kUuidLength));
    i += kUuidLength - 1;
  }
}

// The user ids `notice` mentions besides its recipients: the UUIDs of its
// data and deep link.
std::vector<std::string> MentionedUsers(const v1::SendNotificationRequest& notice) {
  std::vector<std::string> ids;
  for (const auto& [key, value] : notice.data()) CollectUuids(value, ids);
  CollectUuids(notice.deep_link(), ids);
  return ids;
}

bool IsIn(const std::set<std::string>& erased, const std::string& id) {
  return erased.count(absl::AsciiStrToLower(id)) > 0;
}

// An event must not bring an erased user back (his UserErased arrived
// before this event, published on another stream before it): the
// recipients an erasure has removed are dropped, and so are the notices
// left with none. A notice whose data or deep link names an erased user
// (the requester of a friend request, the sender of a message) is dropped
// whole rather than sent with a stand-in: it would tell its recipients
// about someone who is gone, and its ids would lead the app nowhere. One
// query for all the ids the event's notices name.
Notices WithoutErasedUsers(db::WriteTx& tx, Notices notices) {
  std::vector<std::string> named;
  for (const v1::SendNotificationRequest& notice : notices) {
    named.insert(named.end(), notice.recipient_user_ids().begin(),
                 notice.recipient_user_ids().end());
    for (std::string& id : MentionedUsers(notice)) named.push_back(std::move(id));
  }
  const std::set<std::string> erased = privacy::ErasureStore::ErasedAmong(tx, named);
  if (erased.empty()) return notices;
  Notices kept;
  for (v1::SendNotificationRequest& notice : notices) {
    const std::vector<std::string> mentioned = MentionedUsers(notice);
    if (std::any_of(mentioned.begin(), mentioned.end(),
                    [&](const std::string& id) { return IsIn(erased, id); })) {
      continue;
    }
    std::vector<std::string> recipients;
    for (const std::string& user : notice.recipient_user_ids()) {
      if (!IsIn(erased, user)) recipients.push_back(user);
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
        return sender.SendAllAsSystem(tx, WithoutErasedUsers(tx, std::move(notices)), mode);
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
