// Issue 11's cross-service flows end to end: the three real service
// binaries, each on a scratch database of its own, sharing the suite's
// nats-server under this test process's EVENTS_NAMESPACE. The test drives
// social and quest through their gRPC APIs only; the outbox relays carry
// the events to JetStream and notification's consumers apply them; the
// test reads the effect through notification's API (ListNotifications as
// the recipient) and its deliveries table.
//
// Scratch databases, not the suite's shared ones: a social or quest server
// of another test relays every unpublished row of the database it serves,
// under its own namespace, so on a shared database some of this test's
// events would leave under another test's namespace.
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "proto/notification/v1/inbox.grpc.pb.h"
#include "proto/notification/v1/preferences.grpc.pb.h"
#include "proto/notification/v1/push_tokens.grpc.pb.h"
#include "proto/quest/v1/attempts.grpc.pb.h"
#include "proto/quest/v1/events.pb.h"
#include "proto/quest/v1/matches.grpc.pb.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "proto/social/v1/chat.grpc.pb.h"
#include "proto/social/v1/events.pb.h"
#include "proto/social/v1/friends.grpc.pb.h"
#include "proto/social/v1/guilds.grpc.pb.h"
#include "tests/support/service_fixture.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

namespace nv1 = ::notification::v1;
namespace qv1 = ::quest::v1;
namespace sv1 = ::social::v1;

// From a commit in social or quest to the effect in notification: the
// relay wakes on NOTIFY and the consumers pull at once, so this is slack
// for a loaded machine, not an expected latency.
constexpr absl::Duration kFlowDeadline = absl::Seconds(10);

class FlowsTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    quest_db_ = std::make_unique<ScratchDatabase>("quest");
    social_db_ = std::make_unique<ScratchDatabase>("social");
    notification_db_ = std::make_unique<ScratchDatabase>("notification");
    notification_ = StartService("notification", {{"DB_NAME", notification_db_->name()}});
    social_ = StartService("social", {{"DB_NAME", social_db_->name()}});
    quest_ = StartService("quest", {{"DB_NAME", quest_db_->name()}});
    auto to_notification = ChannelTo(*notification_);
    inbox_ = nv1::InboxService::NewStub(to_notification);
    tokens_ = nv1::PushTokenService::NewStub(to_notification);
    preferences_ = nv1::PreferenceService::NewStub(to_notification);
    auto to_social = ChannelTo(*social_);
    friends_ = sv1::FriendService::NewStub(to_social);
    chat_ = sv1::ChatService::NewStub(to_social);
    guilds_ = sv1::GuildService::NewStub(to_social);
    auto to_quest = ChannelTo(*quest_);
    puzzles_ = qv1::PuzzleService::NewStub(to_quest);
    attempts_ = qv1::AttemptService::NewStub(to_quest);
    matches_ = qv1::MatchService::NewStub(to_quest);
  }

  static void TearDownTestSuite() {
    if (::testing::UnitTest::GetInstance()->Failed()) {
      for (const auto& [name, process] :
           {std::pair{"notification", notification_.get()}, std::pair{"social", social_.get()},
            std::pair{"quest", quest_.get()}}) {
        if (process != nullptr) std::cerr << "---- " << name << " log ----\n" << process->Log();
      }
    }
    inbox_.reset();
    tokens_.reset();
    preferences_.reset();
    friends_.reset();
    chat_.reset();
    guilds_.reset();
    puzzles_.reset();
    attempts_.reset();
    matches_.reset();
    quest_.reset();
    social_.reset();
    notification_.reset();
    quest_db_.reset();
    social_db_.reset();
    notification_db_.reset();
  }

  void TearDown() override {
    // No flow event may have been parked: every one is well-formed.
    pqxx::result parked =
        QueryPrimary(notification_db_->name(), "SELECT type, reason FROM dead_letter_events");
    for (const auto& row : parked) {
      ADD_FAILURE() << "parked " << row[0].c_str() << ": " << row[1].c_str();
    }
  }

  static std::string NewUser() { return api::NewUuidV4(); }

  // ----- notification -----

  static void RegisterToken(const std::string& user) {
    nv1::RegisterPushTokenRequest request;
    request.set_device_id(api::NewUuidV4());
    request.set_app_id("com.example.game");
    request.set_platform(nv1::PLATFORM_FCM);
    request.set_token(absl::StrCat("fcm:", api::NewUuidV4(), "-", api::NewUuidV4()));
    nv1::PushToken registered;
    grpc::Status status = tokens_->RegisterPushToken(As(user).get(), request, &registered);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static void MutePush(const std::string& user, const std::string& category) {
    nv1::SetPreferencesRequest request;
    nv1::CategoryPreference& muted = *request.add_categories();
    muted.set_category(category);
    muted.set_push_muted(true);
    nv1::Preferences stored;
    grpc::Status status = preferences_->SetPreferences(As(user).get(), request, &stored);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // `user`'s inbox (every filter), newest first, through the API.
  static std::vector<nv1::Notification> Inbox(const std::string& user) {
    nv1::ListNotificationsRequest request;
    request.set_filter(nv1::INBOX_FILTER_ALL);
    request.set_page_size(100);
    nv1::ListNotificationsResponse response;
    grpc::Status status = inbox_->ListNotifications(As(user).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.notifications().begin(), response.notifications().end()};
  }

  static std::vector<nv1::Notification> InboxOf(const std::string& user,
                                                const std::string& category) {
    std::vector<nv1::Notification> found;
    for (nv1::Notification& notification : Inbox(user)) {
      if (notification.category() == category) found.push_back(std::move(notification));
    }
    return found;
  }

  // Polls `user`'s inbox until it holds `count` notifications of `category`
  // (the replica may trail the consumer's commit too); returns them.
  static std::vector<nv1::Notification> AwaitInbox(const std::string& user,
                                                   const std::string& category, size_t count) {
    std::vector<nv1::Notification> found;
    const bool arrived = Eventually(
        [&] { return (found = InboxOf(user, category)).size() >= count; }, kFlowDeadline);
    EXPECT_TRUE(arrived) << user << " has " << found.size() << " " << category
                         << " notifications, expected " << count;
    return found;
  }

  // Waits until notification's consumer has applied event `event_id`.
  static void AwaitApplied(const std::string& event_id) {
    const bool applied = Eventually(
        [&] {
          return QueryPrimary(notification_db_->name(),
                              "SELECT count(*) FROM processed_events WHERE id = $1", event_id)[0][0]
                     .as<int>() == 1;
        },
        kFlowDeadline);
    ASSERT_TRUE(applied) << "event " << event_id << " was not applied by notification";
  }

  // The ids of the events in `database`'s outbox about `aggregate_id` of
  // payload type `type`, oldest first.
  static std::vector<::events::v1::EventEnvelope> Events(const ScratchDatabase& database,
                                                         const std::string& aggregate_id,
                                                         const std::string& type) {
    std::vector<::events::v1::EventEnvelope> found;
    for (::events::v1::EventEnvelope& envelope : OutboxEvents(database.name(), aggregate_id)) {
      if (envelope.type() == type) found.push_back(std::move(envelope));
    }
    return found;
  }

  // Rows of notification_logs of `user` in `category`, read on the primary:
  // (in_inbox, collapse_key, priority, delivery states sorted and joined).
  static pqxx::result LogRows(const std::string& user, const std::string& category) {
    return QueryPrimary(
        notification_db_->name(),
        "SELECT l.in_inbox, l.collapse_key, l.priority, coalesce((SELECT string_agg(d.state, ',' "
        "ORDER BY d.state) FROM deliveries d WHERE d.notification_log_id = l.id), '') "
        "FROM notification_logs l WHERE l.user_id = $1 AND l.category = $2 "
        "ORDER BY l.created_at",
        user, category);
  }

  static std::string DeliveryStates(const std::string& notification_id) {
    return QueryPrimary(notification_db_->name(),
                        "SELECT coalesce(string_agg(state, ',' ORDER BY state), '') "
                        "FROM deliveries WHERE notification_log_id = $1",
                        notification_id)[0][0]
        .as<std::string>();
  }

  // ----- social -----

  static sv1::Friendship SendFriendRequest(const std::string& from, const std::string& to) {
    sv1::SendFriendRequestRequest request;
    request.set_user_id(to);
    sv1::Friendship friendship;
    grpc::Status status = friends_->SendFriendRequest(As(from).get(), request, &friendship);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return friendship;
  }

  static sv1::ChatMessage SendMessage(const std::string& from, const std::string& to_user,
                                      const std::string& to_guild, const std::string& text) {
    sv1::SendMessageRequest request;
    if (!to_user.empty()) request.set_recipient_user_id(to_user);
    if (!to_guild.empty()) request.set_guild_id(to_guild);
    request.set_text(text);
    sv1::SendMessageResponse response;
    grpc::Status status = chat_->SendMessage(As(from).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.message();
  }

  static sv1::Guild CreateGuild(const std::string& owner, bool open) {
    sv1::CreateGuildRequest request;
    request.set_name(absl::StrCat("Flows ", UniqueSuffix()));
    request.set_open(open);
    sv1::Guild guild;
    grpc::Status status = guilds_->CreateGuild(As(owner).get(), request, &guild);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return guild;
  }

  static void JoinGuild(const std::string& guild_id, const std::string& user) {
    sv1::JoinGuildRequest request;
    request.set_guild_id(guild_id);
    sv1::MembershipResponse response;
    grpc::Status status = guilds_->JoinGuild(As(user).get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  using MemberRpc = grpc::Status (sv1::GuildService::Stub::*)(grpc::ClientContext*,
                                                              const sv1::GuildMemberRequest&,
                                                              sv1::MembershipResponse*);
  static void ActOnMember(MemberRpc rpc, const std::string& guild_id, const std::string& actor,
                          const std::string& target) {
    sv1::GuildMemberRequest request;
    request.set_guild_id(guild_id);
    request.set_user_id(target);
    sv1::MembershipResponse response;
    grpc::Status status = (guilds_.get()->*rpc)(As(actor).get(), request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // ----- quest -----

  static std::string PublishedPuzzle() {
    qv1::CreatePuzzleRequest request;
    request.set_title("Knight fork");
    request.set_kind(qv1::PUZZLE_KIND_CHESS);
    request.set_rating(1500);
    request.set_content("position");
    request.set_solution("Nc7+");
    request.set_publish(true);
    qv1::Puzzle puzzle;
    grpc::Status status = puzzles_->CreatePuzzle(As(NewUser()).get(), request, &puzzle);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return puzzle.id();
  }

  // A correct solve of `puzzle_id` by `user`; returns the attempt id.
  static std::string Solve(const std::string& puzzle_id, const std::string& user) {
    qv1::StartAttemptRequest start;
    start.set_puzzle_id(puzzle_id);
    qv1::Attempt attempt;
    grpc::Status status = attempts_->StartAttempt(As(user).get(), start, &attempt);
    EXPECT_TRUE(status.ok()) << status.error_message();
    qv1::SubmitAttemptRequest submit;
    submit.set_attempt_id(attempt.id());
    submit.set_answer("Nc7+");
    submit.set_request_id(api::NewUuidV4());
    qv1::SubmitAttemptResponse response;
    status = attempts_->SubmitAttempt(As(user).get(), submit, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return attempt.id();
  }

  inline static std::unique_ptr<ScratchDatabase> quest_db_, social_db_, notification_db_;
  inline static std::unique_ptr<ServiceProcess> notification_, social_, quest_;
  inline static std::unique_ptr<nv1::InboxService::Stub> inbox_;
  inline static std::unique_ptr<nv1::PushTokenService::Stub> tokens_;
  inline static std::unique_ptr<nv1::PreferenceService::Stub> preferences_;
  inline static std::unique_ptr<sv1::FriendService::Stub> friends_;
  inline static std::unique_ptr<sv1::ChatService::Stub> chat_;
  inline static std::unique_ptr<sv1::GuildService::Stub> guilds_;
  inline static std::unique_ptr<qv1::PuzzleService::Stub> puzzles_;
  inline static std::unique_ptr<qv1::AttemptService::Stub> attempts_;
  inline static std::unique_ptr<qv1::MatchService::Stub> matches_;
};

TEST_F(FlowsTest, FriendRequestReachesTheRecipientAndAcceptanceTheRequester) {
  const std::string alice = NewUser(), bob = NewUser();
  RegisterToken(bob);
  RegisterToken(alice);
  // Alice does not want pushes about accepted requests: her inbox still
  // gets them, her phone does not.
  MutePush(alice, "friend_accepted");

  const absl::Time sent_at = absl::Now();
  sv1::Friendship friendship = SendFriendRequest(alice, bob);
  std::vector<nv1::Notification> requests = AwaitInbox(bob, "friend_request", 1);
  // Social's commit to the entry readable on notification's replica
  // (test.xml), for a feel of the path's latency; not asserted.
  RecordProperty("friend_request_to_inbox_ms",
                 static_cast<int>(absl::ToInt64Milliseconds(absl::Now() - sent_at)));
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(requests[0].sent_by_system());
  EXPECT_EQ(requests[0].data().at("requester_id"), alice);
  EXPECT_EQ(DeliveryStates(requests[0].id()), "queued") << "one push to bob's one token";
  EXPECT_TRUE(InboxOf(alice, "friend_request").empty());

  sv1::AcceptFriendRequestRequest accept;
  accept.set_user_id(alice);
  ASSERT_TRUE(friends_->AcceptFriendRequest(As(bob).get(), accept, &friendship).ok());
  std::vector<nv1::Notification> accepted = AwaitInbox(alice, "friend_accepted", 1);
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].data().at("accepter_id"), bob);
  EXPECT_EQ(DeliveryStates(accepted[0].id()), "muted") << "her preference stopped the push";
  EXPECT_TRUE(InboxOf(bob, "friend_accepted").empty());
}

TEST_F(FlowsTest, DirectMessagesArePushOnlyCollapsedPerChannelAndGuildMessagesNothing) {
  const std::string alice = NewUser(), bob = NewUser();
  RegisterToken(bob);
  const sv1::ChatMessage first = SendMessage(alice, bob, "", "hi bob");
  const sv1::ChatMessage second = SendMessage(alice, bob, "", "are you there?");
  ASSERT_EQ(first.channel_id(), second.channel_id());
  const std::vector<::events::v1::EventEnvelope> sent =
      Events(*social_db_, first.channel_id(), "social.v1.ChatMessageSent");
  ASSERT_EQ(sent.size(), 2u);
  for (const ::events::v1::EventEnvelope& event : sent) AwaitApplied(event.id());

  // Push only: a row per message (its deliveries' record), hidden from the
  // inbox, every push of the channel under one collapse key.
  pqxx::result rows = LogRows(bob, "chat_message");
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    EXPECT_FALSE(row[0].as<bool>()) << "not an inbox entry";
    EXPECT_EQ(row[1].as<std::string>(), first.channel_id()) << "collapsed per channel";
    EXPECT_EQ(row[2].as<std::string>(), "high");
    EXPECT_EQ(row[3].as<std::string>(), "queued") << "one push to bob's token";
  }
  EXPECT_TRUE(InboxOf(bob, "chat_message").empty());
  EXPECT_EQ(LogRows(alice, "chat_message").size(), 0u) << "the sender is not told";
  // The text never leaves social.
  EXPECT_EQ(QueryPrimary(notification_db_->name(),
                         "SELECT count(*) FROM notification_logs WHERE body LIKE '%bob%' "
                         "OR title LIKE '%bob%' OR data::text LIKE '%are you%'")[0][0]
                .as<int>(),
            0);

  // A guild channel's message reaches nobody's phone.
  const std::string carol = NewUser();
  RegisterToken(carol);
  const sv1::Guild guild = CreateGuild(alice, /*open=*/true);
  JoinGuild(guild.id(), carol);
  const sv1::ChatMessage in_guild = SendMessage(alice, "", guild.id(), "welcome");
  const std::vector<::events::v1::EventEnvelope> guild_messages =
      Events(*social_db_, in_guild.channel_id(), "social.v1.ChatMessageSent");
  ASSERT_FALSE(guild_messages.empty());
  for (const ::events::v1::EventEnvelope& event : guild_messages) AwaitApplied(event.id());
  EXPECT_EQ(LogRows(carol, "chat_message").size(), 0u);
  EXPECT_TRUE(InboxOf(carol, "guild_joined").empty()) << "joining an open guild is her own act";
}

TEST_F(FlowsTest, JoinRequestsReachTheOwnerAndAdminsAndApprovalTheNewMember) {
  const std::string owner = NewUser(), admin = NewUser(), carol = NewUser();
  RegisterToken(owner);
  const sv1::Guild guild = CreateGuild(owner, /*open=*/false);

  // The future admin asks, the owner (alone so far) is told, approves, and
  // the new member is told.
  JoinGuild(guild.id(), admin);
  std::vector<nv1::Notification> to_owner = AwaitInbox(owner, "guild_join_request", 1);
  ASSERT_EQ(to_owner.size(), 1u);
  EXPECT_EQ(to_owner[0].data().at("user_id"), admin);
  EXPECT_EQ(to_owner[0].data().at("guild_id"), guild.id());
  EXPECT_EQ(DeliveryStates(to_owner[0].id()), "queued");
  ActOnMember(&sv1::GuildService::Stub::ApproveJoinRequest, guild.id(), owner, admin);
  std::vector<nv1::Notification> welcomed = AwaitInbox(admin, "guild_joined", 1);
  ASSERT_EQ(welcomed.size(), 1u);
  EXPECT_EQ(welcomed[0].data().at("approved_by"), owner);
  ActOnMember(&sv1::GuildService::Stub::PromoteMember, guild.id(), owner, admin);

  // Now the owner and the admin both hear of carol's request.
  JoinGuild(guild.id(), carol);
  AwaitInbox(owner, "guild_join_request", 2);
  std::vector<nv1::Notification> to_admin = AwaitInbox(admin, "guild_join_request", 1);
  ASSERT_EQ(to_admin.size(), 1u);
  EXPECT_EQ(to_admin[0].data().at("user_id"), carol);
  const std::vector<::events::v1::EventEnvelope> requested =
      Events(*social_db_, guild.id(), "social.v1.GuildJoinRequested");
  ASSERT_EQ(requested.size(), 2u);
  sv1::GuildJoinRequested second;
  ASSERT_TRUE(requested[1].payload().UnpackTo(&second));
  std::vector<std::string> expected_admins = {owner, admin};
  std::sort(expected_admins.begin(), expected_admins.end());
  EXPECT_EQ(std::vector<std::string>(second.admin_ids().begin(), second.admin_ids().end()),
            expected_admins);

  ActOnMember(&sv1::GuildService::Stub::ApproveJoinRequest, guild.id(), admin, carol);
  welcomed = AwaitInbox(carol, "guild_joined", 1);
  ASSERT_EQ(welcomed.size(), 1u);
  EXPECT_EQ(welcomed[0].data().at("approved_by"), admin);
  EXPECT_TRUE(InboxOf(carol, "guild_join_request").empty());
}

TEST_F(FlowsTest, MatchFinishedTellsEachParticipantTheirRank) {
  const std::string host = NewUser(), guest = NewUser();
  RegisterToken(host);
  RegisterToken(guest);
  MutePush(guest, "match_finished");

  qv1::CreateMatchRequest create;
  create.set_mode(qv1::MATCH_MODE_HEAD_TO_HEAD);
  create.add_puzzle_ids(PublishedPuzzle());
  qv1::Match match;
  ASSERT_TRUE(matches_->CreateMatch(As(host).get(), create, &match).ok());
  qv1::MatchRequest act;
  act.set_match_id(match.id());
  ASSERT_TRUE(matches_->JoinMatch(As(guest).get(), act, &match).ok());
  ASSERT_TRUE(matches_->StartMatch(As(host).get(), act, &match).ok());
  for (const auto& [user, answer] : {std::pair{host, "Nc7+"}, std::pair{guest, "Qh5"}}) {
    qv1::SubmitMatchAnswerRequest submit;
    submit.set_match_id(match.id());
    submit.set_puzzle_id(match.puzzle_ids(0));
    submit.set_answer(answer);
    qv1::SubmitMatchAnswerResponse answered;
    grpc::Status status = matches_->SubmitMatchAnswer(As(user).get(), submit, &answered);
    ASSERT_TRUE(status.ok()) << status.error_message();
    match = answered.match();
  }
  ASSERT_EQ(match.status(), qv1::MATCH_STATUS_FINISHED);

  std::vector<nv1::Notification> won = AwaitInbox(host, "match_finished", 1);
  ASSERT_EQ(won.size(), 1u);
  EXPECT_EQ(won[0].data().at("match_id"), match.id());
  EXPECT_EQ(won[0].data().at("rank"), "1");
  EXPECT_EQ(won[0].body(), "You won! 1st of 2.");
  EXPECT_EQ(DeliveryStates(won[0].id()), "queued");
  std::vector<nv1::Notification> lost = AwaitInbox(guest, "match_finished", 1);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].data().at("rank"), "2");
  EXPECT_EQ(lost[0].body(), "You placed 2nd of 2.");
  EXPECT_EQ(DeliveryStates(lost[0].id()), "muted") << "the guest muted match pushes";
}

TEST_F(FlowsTest, AStreakMilestoneIsAnnouncedOnceOnTheSolveThatReachesIt) {
  AwayFromMidnightUtc();  // "yesterday" below and quest's day of the solve must agree.
  const std::string player = NewUser();
  RegisterToken(player);
  // Six days in a row up to yesterday (UTC, quest's day): today's first
  // solve makes seven, one of notification's default milestones.
  QueryPrimary(quest_db_->name(),
               "INSERT INTO user_progress (user_id, solved_count, attempt_count, current_streak, "
               "best_streak, last_solved_on) "
               "VALUES ($1, 6, 6, 6, 6, (now() AT TIME ZONE 'UTC')::date - 1)",
               player);

  const std::string first = Solve(PublishedPuzzle(), player);
  std::vector<nv1::Notification> milestone = AwaitInbox(player, "streak_milestone", 1);
  ASSERT_EQ(milestone.size(), 1u);
  EXPECT_EQ(milestone[0].title(), "7-day streak!");
  EXPECT_EQ(milestone[0].data().at("streak"), "7");
  EXPECT_EQ(DeliveryStates(milestone[0].id()), "queued");

  // The day's second solve repeats the streak: applied, and nothing new.
  const std::string second = Solve(PublishedPuzzle(), player);
  const std::vector<::events::v1::EventEnvelope> solved =
      Events(*quest_db_, second, "quest.v1.PuzzleSolved");
  ASSERT_EQ(solved.size(), 1u);
  qv1::PuzzleSolved payload;
  ASSERT_TRUE(solved[0].payload().UnpackTo(&payload));
  EXPECT_EQ(payload.current_streak(), 7);
  EXPECT_FALSE(payload.streak_extended());
  AwaitApplied(solved[0].id());
  // On the primary, where the consumer committed it with its effect.
  EXPECT_EQ(LogRows(player, "streak_milestone").size(), 1u);
}

}  // namespace
}  // namespace qs::testing
