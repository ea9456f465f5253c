// What the notification service sends for the events of other services,
// without I/O: each event becomes zero or more SendNotificationRequests
// (recipients, category, texts, data), sent by the system through the one
// send path (send_path.h), so preferences, quiet hours and tokens apply as
// for any send. Events never carry user names or chat text, so the texts
// are generic and the ids travel in `data` for the app to render.
//
//   QS_ASSIGN_OR_RETURN(std::vector<v1::SendNotificationRequest> sends,
//                       FriendRequestSentNotices(event));
//
// A field the notice needs that is missing or malformed is INVALID_ARGUMENT
// naming it as "<Event>.<field>": the consumer parks such an event as a
// dead letter (common/events/event_handlers.h).
//
// | event (source)                 | recipients                     | category           |
// |--------------------------------|--------------------------------|--------------------|
// | FriendRequestSent (social)     | recipient_id                   | friend_request     |
// | FriendRequestAccepted (social) | requester_id                   | friend_accepted    |
// | ChatMessageSent, direct only   | recipient_ids; push only,      | chat_message       |
// |   (social)                     |   collapse_key = channel id    |                    |
// | GuildJoinRequested (social)    | admin_ids (owner and admins)   | guild_join_request |
// | GuildMemberJoined, approved    | user_id (the new member)       | guild_joined       |
// |   requests only (social)       |                                |                    |
// | MatchFinished (quest)          | each participant, own rank     | match_finished     |
// | PuzzleSolved reaching a streak | user_id                        | streak_milestone   |
// |   milestone (quest)            |                                |                    |
//
// Deliberately nothing for: guild channel messages (a guild's chatter would
// push to every member), a join of an open guild (the member's own act),
// and a repeated solve on a milestone day (announced once, on the solve
// that reached it).
#ifndef QS_NOTIFICATION_EVENT_RULES_H_
#define QS_NOTIFICATION_EVENT_RULES_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/notification/v1/inbox.pb.h"
#include "proto/quest/v1/events.pb.h"
#include "proto/social/v1/events.pb.h"

namespace qs::notification {

namespace v1 = ::notification::v1;

inline constexpr char kFriendRequestCategory[] = "friend_request";
inline constexpr char kFriendAcceptedCategory[] = "friend_accepted";
inline constexpr char kChatMessageCategory[] = "chat_message";
inline constexpr char kGuildJoinRequestCategory[] = "guild_join_request";
inline constexpr char kGuildJoinedCategory[] = "guild_joined";
inline constexpr char kMatchFinishedCategory[] = "match_finished";
inline constexpr char kStreakMilestoneCategory[] = "streak_milestone";

using Notices = std::vector<v1::SendNotificationRequest>;

absl::StatusOr<Notices> FriendRequestSentNotices(const ::social::v1::FriendRequestSent& event);
absl::StatusOr<Notices> FriendRequestAcceptedNotices(
    const ::social::v1::FriendRequestAccepted& event);

// Direct channels only, and meant to be sent push-only (SendMode::kPushOnly):
// chat keeps its own unread state per channel, so a message in the inbox
// too would be counted twice and flood it. Every message of a channel
// shares one collapse key, so the device shows the latest only.
absl::StatusOr<Notices> ChatMessageSentNotices(const ::social::v1::ChatMessageSent& event);

// None for an event without admin_ids (written before the field existed:
// nobody to tell).
absl::StatusOr<Notices> GuildJoinRequestedNotices(const ::social::v1::GuildJoinRequested& event);
absl::StatusOr<Notices> GuildMemberJoinedNotices(const ::social::v1::GuildMemberJoined& event);

// One notice per participant, each with their own rank (1-based).
absl::StatusOr<Notices> MatchFinishedNotices(const ::quest::v1::MatchFinished& event);

// One notice when this solve extended the streak to one of `milestones`
// (days), else none.
absl::StatusOr<Notices> PuzzleSolvedNotices(const ::quest::v1::PuzzleSolved& event,
                                            const std::set<int>& milestones);

// "1st", "2nd", "3rd", "4th", "11th", "21st", "112th".
std::string Ordinal(int n);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_EVENT_RULES_H_
