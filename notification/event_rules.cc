#include "notification/event_rules.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/api/validation.h"
#include "common/base/status_macros.h"

namespace qs::notification {
namespace {

// Each event field a notice uses must be a UUID; the error names it the way
// an operator finds it in the dead letter's envelope.
absl::Status RequireUuidField(const google::protobuf::Message& event, absl::string_view field,
                              const std::string& value) {
  return api::RequireUuid(absl::StrCat(event.GetDescriptor()->name(), ".", field), value);
}

v1::SendNotificationRequest Notice(const std::string& category, const std::string& title,
                                   const std::string& body) {
  v1::SendNotificationRequest request;
  request.set_category(category);
  request.set_title(title);
  request.set_body(body);
  return request;
}

void SetData(v1::SendNotificationRequest& request, const std::string& key,
             const std::string& value) {
  (*request.mutable_data())[key] = value;
}

}  // namespace

std::string Ordinal(int n) {
  const int last_two = n % 100;
  const char* suffix = "th";
  if (last_two < 11 || last_two > 13) {
    switch (n % 10) {
      case 1:
        suffix = "st";
        break;
      case 2:
        suffix = "nd";
        break;
      case 3:
        suffix = "rd";
        break;
      default:
        break;
    }
  }
  return absl::StrCat(n, suffix);
}

absl::StatusOr<Notices> FriendRequestSentNotices(const ::social::v1::FriendRequestSent& event) {
  QS_RETURN_IF_ERROR(RequireUuidField(event, "recipient_id", event.recipient_id()));
  QS_RETURN_IF_ERROR(RequireUuidField(event, "requester_id", event.requester_id()));
  QS_RETURN_IF_ERROR(RequireUuidField(event, "request_id", event.request_id()));
  v1::SendNotificationRequest notice =
      Notice(kFriendRequestCategory, "New friend request", "Someone wants to be your friend.");
  notice.add_recipient_user_ids(event.recipient_id());
  SetData(notice, "request_id", event.request_id());
  SetData(notice, "requester_id", event.requester_id());
  return Notices{std::move(notice)};
}

absl::StatusOr<Notices> FriendRequestAcceptedNotices(
    const ::social::v1::FriendRequestAccepted& event) {
  QS_RETURN_IF_ERROR(RequireUuidField(event, "requester_id", event.requester_id()));
  QS_RETURN_IF_ERROR(RequireUuidField(event, "accepter_id", event.accepter_id()));
  QS_RETURN_IF_ERROR(RequireUuidField(event, "request_id", event.request_id()));
  v1::SendNotificationRequest notice =
      Notice(kFriendAcceptedCategory, "Friend request accepted", "You have a new friend.");
  notice.add_recipient_user_ids(event.requester_id());
  SetData(notice, "request_id", event.request_id());
  SetData(notice, "accepter_id", event.accepter_id());
  return Notices{std::move(notice)};
}

absl::StatusOr<Notices> ChatMessageSentNotices(const ::social::v1::ChatMessageSent& event) {
  if (event.channel_kind() == "guild") return Notices{};
  if (event.channel_kind() != "direct") {
    return absl::InvalidArgumentError(
        absl::StrCat("ChatMessageSent.channel_kind: \"direct\" or \"guild\", got \"",
                     absl::CHexEscape(event.channel_kind().substr(0, 32)), "\""));
  }
  QS_RETURN_IF_ERROR(RequireUuidField(event, "channel_id", event.channel_id()));
  QS_RETURN_IF_ERROR(RequireUuidField(event, "message_id", event.message_id()));
  QS_RETURN_IF_ERROR(RequireUuidField(event, "sender_id", event.sender_id()));
  if (event.recipient_ids().empty()) {
    return absl::InvalidArgumentError(
        "ChatMessageSent.recipient_ids: a direct message has a recipient");
  }
  v1::SendNotificationRequest notice = Notice(kChatMessageCategory, "New message", "");
  for (int i = 0; i < event.recipient_ids_size(); ++i) {
    QS_RETURN_IF_ERROR(
        RequireUuidField(event, absl::StrCat("recipient_ids[", i, "]"), event.recipient_ids(i)));
    notice.add_recipient_user_ids(event.recipient_ids(i));
  }
  notice.set_collapse_key(event.channel_id());
  // A message is a conversation: wake the device like a messenger does.
  notice.set_priority(v1::PRIORITY_HIGH);
  SetData(notice, "channel_id", event.channel_id());
  SetData(notice, "message_id", event.message_id());
  SetData(notice, "sender_id", event.sender_id());
  SetData(notice, "sequence", absl::StrCat(event.sequence()));
  return Notices{std::move(notice)};
}

absl::StatusOr<Notices> GuildJoinRequestedNotices(const ::social::v1::GuildJoinRequested& event) {
  if (event.admin_ids().empty()) return Notices{};
  QS_RETURN_IF_ERROR(RequireUuidField(event, "guild_id", event.guild_id()));
  QS_RETURN_IF_ERROR(RequireUuidField(event, "user_id", event.user_id()));
  v1::SendNotificationRequest notice =
      Notice(kGuildJoinRequestCategory, "New join request", "Someone asked to join your guild.");
  for (int i = 0; i < event.admin_ids_size(); ++i) {
    QS_RETURN_IF_ERROR(
        RequireUuidField(event, absl::StrCat("admin_ids[", i, "]"), event.admin_ids(i)));
    notice.add_recipient_user_ids(event.admin_ids(i));
  }
  SetData(notice, "guild_id", event.guild_id());
  SetData(notice, "user_id", event.user_id());
  return Notices{std::move(notice)};
}

absl::StatusOr<Notices> GuildMemberJoinedNotices(const ::social::v1::GuildMemberJoined& event) {
  if (event.approved_by().empty()) return Notices{};
  QS_RETURN_IF_ERROR(RequireUuidField(event, "guild_id", event.guild_id()));
  QS_RETURN_IF_ERROR(RequireUuidField(event, "user_id", event.user_id()));
  QS_RETURN_IF_ERROR(RequireUuidField(event, "approved_by", event.approved_by()));
  v1::SendNotificationRequest notice =
      Notice(kGuildJoinedCategory, "Join request approved", "You are now a member of the guild.");
  notice.add_recipient_user_ids(event.user_id());
  SetData(notice, "guild_id", event.guild_id());
  SetData(notice, "approved_by", event.approved_by());
  return Notices{std::move(notice)};
}

absl::StatusOr<Notices> MatchFinishedNotices(const ::quest::v1::MatchFinished& event) {
  QS_RETURN_IF_ERROR(RequireUuidField(event, "match_id", event.match_id()));
  const int players = event.participants_size();
  int sharing_first = 0;
  for (const ::quest::v1::MatchParticipant& participant : event.participants()) {
    if (participant.rank() == 1) ++sharing_first;
  }
  Notices notices;
  for (int i = 0; i < players; ++i) {
    const ::quest::v1::MatchParticipant& participant = event.participants(i);
    const std::string field = absl::StrCat("participants[", i, "]");
    QS_RETURN_IF_ERROR(
        RequireUuidField(event, absl::StrCat(field, ".user_id"), participant.user_id()));
    const int rank = participant.rank();
    if (rank < 1 || rank > players) {
      return absl::InvalidArgumentError(absl::StrCat("MatchFinished.", field, ".rank: 1..", players,
                                                     " in a finished match, got ", rank));
    }
    std::string body;
    if (rank == 1 && sharing_first == 1) {
      body = absl::StrCat("You won! 1st of ", players, ".");
    } else if (rank == 1) {
      body = absl::StrCat("You tied for 1st of ", players, ".");
    } else {
      body = absl::StrCat("You placed ", Ordinal(rank), " of ", players, ".");
    }
    v1::SendNotificationRequest notice = Notice(kMatchFinishedCategory, "Match finished", body);
    notice.add_recipient_user_ids(participant.user_id());
    SetData(notice, "match_id", event.match_id());
    SetData(notice, "rank", absl::StrCat(rank));
    SetData(notice, "players", absl::StrCat(players));
    SetData(notice, "score", absl::StrCat(participant.score()));
    notices.push_back(std::move(notice));
  }
  return notices;
}

absl::StatusOr<Notices> PuzzleSolvedNotices(const ::quest::v1::PuzzleSolved& event,
                                            const std::set<int>& milestones) {
  if (!event.streak_extended() || milestones.count(event.current_streak()) == 0) {
    return Notices{};
  }
  QS_RETURN_IF_ERROR(RequireUuidField(event, "user_id", event.user_id()));
  const int days = event.current_streak();
  v1::SendNotificationRequest notice =
      Notice(kStreakMilestoneCategory, absl::StrCat(days, "-day streak!"),
             absl::StrCat("You solved a puzzle ", days, " days in a row."));
  notice.add_recipient_user_ids(event.user_id());
  SetData(notice, "streak", absl::StrCat(days));
  SetData(notice, "puzzle_id", event.puzzle_id());
  return Notices{std::move(notice)};
}

}  // namespace qs::notification
