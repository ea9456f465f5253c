// The notices of other services' events (notification/event_rules.h): who
// gets what for each event, what gets nothing, and the malformed events
// that are refused (and so parked) with the field named.
#include "notification/event_rules.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace qs::notification {
namespace {

constexpr char kAlice[] = "0b0b5e4e-1c3a-4b7e-9c1d-2f3a4b5c6d7e";
constexpr char kBob[] = "1c1c6f5f-2d4b-4c8f-8d2e-3a4b5c6d7e8f";
constexpr char kCarol[] = "2d2d7a6a-3e5c-4d9a-9e3f-4b5c6d7e8f9a";
constexpr char kThing[] = "3e3e8b7b-4f6d-4e0b-8f4a-5c6d7e8f9a0b";

std::vector<std::string> Recipients(const v1::SendNotificationRequest& request) {
  return {request.recipient_user_ids().begin(), request.recipient_user_ids().end()};
}

TEST(EventRulesTest, FriendRequestSentTellsTheRecipient) {
  ::social::v1::FriendRequestSent sent;
  sent.set_pair_id(kThing);
  sent.set_request_id(kCarol);
  sent.set_requester_id(kAlice);
  sent.set_recipient_id(kBob);
  absl::StatusOr<Notices> notices = FriendRequestSentNotices(sent);
  ASSERT_TRUE(notices.ok()) << notices.status();
  ASSERT_EQ(notices->size(), 1u);
  const v1::SendNotificationRequest& notice = (*notices)[0];
  EXPECT_EQ(Recipients(notice), std::vector<std::string>{kBob});
  EXPECT_EQ(notice.category(), "friend_request");
  EXPECT_FALSE(notice.title().empty());
  EXPECT_EQ(notice.data().at("requester_id"), kAlice);
  EXPECT_EQ(notice.data().at("request_id"), kCarol);
}

TEST(EventRulesTest, FriendRequestSentWithoutARecipientIsRefusedNamingTheField) {
  ::social::v1::FriendRequestSent sent;
  sent.set_request_id(kCarol);
  sent.set_requester_id(kAlice);
  absl::StatusOr<Notices> notices = FriendRequestSentNotices(sent);
  EXPECT_EQ(notices.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(notices.status().message().rfind("FriendRequestSent.recipient_id:", 0), 0u)
      << notices.status();
}

TEST(EventRulesTest, FriendRequestAcceptedTellsTheRequester) {
  ::social::v1::FriendRequestAccepted accepted;
  accepted.set_request_id(kCarol);
  accepted.set_requester_id(kAlice);
  accepted.set_accepter_id(kBob);
  absl::StatusOr<Notices> notices = FriendRequestAcceptedNotices(accepted);
  ASSERT_TRUE(notices.ok()) << notices.status();
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ(Recipients((*notices)[0]), std::vector<std::string>{kAlice});
  EXPECT_EQ((*notices)[0].category(), "friend_accepted");
  EXPECT_EQ((*notices)[0].data().at("accepter_id"), kBob);

  accepted.set_accepter_id("not-a-uuid");
  EXPECT_EQ(FriendRequestAcceptedNotices(accepted).status().message().rfind(
                "FriendRequestAccepted.accepter_id:", 0),
            0u);
}

::social::v1::ChatMessageSent DirectMessage() {
  ::social::v1::ChatMessageSent message;
  message.set_message_id(kThing);
  message.set_channel_id(kCarol);
  message.set_channel_kind("direct");
  message.set_sequence(42);
  message.set_sender_id(kAlice);
  message.add_recipient_ids(kBob);
  return message;
}

TEST(EventRulesTest, DirectMessageIsOneHighPriorityPushCollapsedPerChannelWithoutText) {
  absl::StatusOr<Notices> notices = ChatMessageSentNotices(DirectMessage());
  ASSERT_TRUE(notices.ok()) << notices.status();
  ASSERT_EQ(notices->size(), 1u);
  const v1::SendNotificationRequest& notice = (*notices)[0];
  EXPECT_EQ(Recipients(notice), std::vector<std::string>{kBob});
  EXPECT_EQ(notice.category(), "chat_message");
  EXPECT_EQ(notice.collapse_key(), kCarol) << "collapsed per channel";
  EXPECT_EQ(notice.priority(), v1::PRIORITY_HIGH);
  EXPECT_TRUE(notice.body().empty()) << "the event carries no text, and none is made up";
  EXPECT_EQ(notice.data().at("channel_id"), kCarol);
  EXPECT_EQ(notice.data().at("message_id"), kThing);
  EXPECT_EQ(notice.data().at("sender_id"), kAlice);
  EXPECT_EQ(notice.data().at("sequence"), "42");
}

TEST(EventRulesTest, GuildChannelMessagesProduceNothing) {
  ::social::v1::ChatMessageSent message = DirectMessage();
  message.set_channel_kind("guild");
  message.set_guild_id(kThing);
  message.add_recipient_ids(kCarol);
  absl::StatusOr<Notices> notices = ChatMessageSentNotices(message);
  ASSERT_TRUE(notices.ok()) << notices.status();
  EXPECT_TRUE(notices->empty());
}

TEST(EventRulesTest, MalformedDirectMessagesAreRefused) {
  ::social::v1::ChatMessageSent unknown_kind = DirectMessage();
  unknown_kind.set_channel_kind("broadcast");
  EXPECT_EQ(ChatMessageSentNotices(unknown_kind)
                .status()
                .message()
                .rfind("ChatMessageSent.channel_kind:", 0),
            0u);
  ::social::v1::ChatMessageSent nobody = DirectMessage();
  nobody.clear_recipient_ids();
  EXPECT_EQ(
      ChatMessageSentNotices(nobody).status().message().rfind("ChatMessageSent.recipient_ids:", 0),
      0u);
  ::social::v1::ChatMessageSent bad_recipient = DirectMessage();
  bad_recipient.set_recipient_ids(0, "x");
  EXPECT_EQ(ChatMessageSentNotices(bad_recipient)
                .status()
                .message()
                .rfind("ChatMessageSent.recipient_ids[0]:", 0),
            0u);
}

TEST(EventRulesTest, GuildJoinRequestedTellsEveryAdmin) {
  ::social::v1::GuildJoinRequested requested;
  requested.set_guild_id(kThing);
  requested.set_user_id(kCarol);
  requested.add_admin_ids(kAlice);
  requested.add_admin_ids(kBob);
  absl::StatusOr<Notices> notices = GuildJoinRequestedNotices(requested);
  ASSERT_TRUE(notices.ok()) << notices.status();
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ(Recipients((*notices)[0]), (std::vector<std::string>{kAlice, kBob}));
  EXPECT_EQ((*notices)[0].category(), "guild_join_request");
  EXPECT_EQ((*notices)[0].data().at("guild_id"), kThing);
  EXPECT_EQ((*notices)[0].data().at("user_id"), kCarol);

  requested.clear_admin_ids();
  notices = GuildJoinRequestedNotices(requested);
  ASSERT_TRUE(notices.ok()) << "an event from before admin_ids existed is not an error";
  EXPECT_TRUE(notices->empty());
}

TEST(EventRulesTest, GuildMemberJoinedTellsAnApprovedMemberOnly) {
  ::social::v1::GuildMemberJoined joined;
  joined.set_guild_id(kThing);
  joined.set_user_id(kCarol);
  absl::StatusOr<Notices> notices = GuildMemberJoinedNotices(joined);
  ASSERT_TRUE(notices.ok()) << notices.status();
  EXPECT_TRUE(notices->empty()) << "joining an open guild is the member's own act";

  joined.set_approved_by(kAlice);
  notices = GuildMemberJoinedNotices(joined);
  ASSERT_TRUE(notices.ok()) << notices.status();
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ(Recipients((*notices)[0]), std::vector<std::string>{kCarol});
  EXPECT_EQ((*notices)[0].category(), "guild_joined");
  EXPECT_EQ((*notices)[0].data().at("approved_by"), kAlice);
}

::quest::v1::MatchFinished Match(const std::vector<std::pair<std::string, int>>& ranks) {
  ::quest::v1::MatchFinished finished;
  finished.set_match_id(kThing);
  for (const auto& [user, rank] : ranks) {
    ::quest::v1::MatchParticipant& participant = *finished.add_participants();
    participant.set_user_id(user);
    participant.set_rank(rank);
    participant.set_score(100 * rank);
  }
  return finished;
}

TEST(EventRulesTest, MatchFinishedTellsEachParticipantTheirOwnRank) {
  absl::StatusOr<Notices> notices =
      MatchFinishedNotices(Match({{kAlice, 2}, {kBob, 1}, {kCarol, 3}}));
  ASSERT_TRUE(notices.ok()) << notices.status();
  ASSERT_EQ(notices->size(), 3u);
  EXPECT_EQ(Recipients((*notices)[0]), std::vector<std::string>{kAlice});
  EXPECT_EQ((*notices)[0].data().at("rank"), "2");
  EXPECT_EQ((*notices)[0].body(), "You placed 2nd of 3.");
  EXPECT_EQ((*notices)[1].body(), "You won! 1st of 3.");
  EXPECT_EQ((*notices)[2].body(), "You placed 3rd of 3.");
  for (const v1::SendNotificationRequest& notice : *notices) {
    EXPECT_EQ(notice.category(), "match_finished");
    EXPECT_EQ(notice.data().at("match_id"), kThing);
    EXPECT_EQ(notice.data().at("players"), "3");
  }
}

TEST(EventRulesTest, SharedFirstPlaceIsATieNotAWin) {
  absl::StatusOr<Notices> notices = MatchFinishedNotices(Match({{kAlice, 1}, {kBob, 1}}));
  ASSERT_TRUE(notices.ok()) << notices.status();
  ASSERT_EQ(notices->size(), 2u);
  EXPECT_EQ((*notices)[0].body(), "You tied for 1st of 2.");
  EXPECT_EQ((*notices)[1].body(), "You tied for 1st of 2.");
}

TEST(EventRulesTest, AnUnrankedParticipantIsRefused) {
  absl::StatusOr<Notices> notices = MatchFinishedNotices(Match({{kAlice, 1}, {kBob, 0}}));
  EXPECT_EQ(notices.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(notices.status().message().rfind("MatchFinished.participants[1].rank:", 0), 0u)
      << notices.status();
}

::quest::v1::PuzzleSolved Solved(int streak, bool extended) {
  ::quest::v1::PuzzleSolved solved;
  solved.set_user_id(kAlice);
  solved.set_puzzle_id(kThing);
  solved.set_current_streak(streak);
  solved.set_streak_extended(extended);
  return solved;
}

TEST(EventRulesTest, OnlyTheSolveThatReachesAMilestoneIsAnnounced) {
  const std::set<int> milestones = {7, 30};
  absl::StatusOr<Notices> notices = PuzzleSolvedNotices(Solved(7, true), milestones);
  ASSERT_TRUE(notices.ok()) << notices.status();
  ASSERT_EQ(notices->size(), 1u);
  EXPECT_EQ(Recipients((*notices)[0]), std::vector<std::string>{kAlice});
  EXPECT_EQ((*notices)[0].category(), "streak_milestone");
  EXPECT_EQ((*notices)[0].title(), "7-day streak!");
  EXPECT_EQ((*notices)[0].data().at("streak"), "7");

  EXPECT_TRUE(PuzzleSolvedNotices(Solved(7, false), milestones)->empty())
      << "a second solve on the milestone day";
  EXPECT_TRUE(PuzzleSolvedNotices(Solved(8, true), milestones)->empty()) << "not a milestone";
  EXPECT_TRUE(PuzzleSolvedNotices(Solved(0, false), milestones)->empty())
      << "an event from before current_streak existed";
  EXPECT_EQ(PuzzleSolvedNotices(Solved(30, true), milestones)->size(), 1u);
}

TEST(EventRulesTest, Ordinals) {
  EXPECT_EQ(Ordinal(1), "1st");
  EXPECT_EQ(Ordinal(2), "2nd");
  EXPECT_EQ(Ordinal(3), "3rd");
  EXPECT_EQ(Ordinal(4), "4th");
  EXPECT_EQ(Ordinal(11), "11th");
  EXPECT_EQ(Ordinal(12), "12th");
  EXPECT_EQ(Ordinal(13), "13th");
  EXPECT_EQ(Ordinal(21), "21st");
  EXPECT_EQ(Ordinal(102), "102nd");
  EXPECT_EQ(Ordinal(112), "112th");
}

}  // namespace
}  // namespace qs::notification
