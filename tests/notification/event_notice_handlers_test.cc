// Notification's handlers of social's and quest's events
// (notification/event_notice_handlers.h), called the way the consumer calls
// them: looked up by (source, payload type) in the registry and run inside
// one write transaction, here on a scratch notification database migrated
// like the real one. Tokens and preferences are written through their
// stores; the effect is read back with plain SQL on the primary.
#include "notification/event_notice_handlers.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "common/events/event_handlers.h"
#include "common/privacy/erasure_store.h"
#include "common/privacy/user_hash.h"
#include "gtest/gtest.h"
#include "notification/preference_store.h"
#include "notification/token_store.h"
#include "pqxx/pqxx"
#include "proto/quest/v1/events.pb.h"
#include "proto/social/v1/events.pb.h"
#include "tests/support/test_infra.h"

namespace qs::notification {
namespace {

// One notification row as the tests compare it.
struct Row {
  std::string user_id;
  std::string category;
  bool in_inbox = false;
  bool from_system = false;
  std::string body;
  std::string collapse_key;
  std::string priority;
  std::vector<std::string> delivery_states;  // sorted
};

class EventNoticeHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status migrated = scratch_.Migrate({"migrations/common", "migrations/notification"});
    ASSERT_TRUE(migrated.ok()) << migrated;
    config::DbConfig config = scratch_.Config();
    // Every statement of these tests runs on the primary: no replica wait.
    config.read_host = config.host;
    config.read_port = config.port;
    database_ = std::make_unique<db::Database>(config, "event-notice-test");
    EventNoticeSettings settings;
    settings.streak_milestones = {3, 7};
    RegisterEventNoticeHandlers(handlers_, sender_, settings);
  }

  // What the consumer does with one event: the registered handler of
  // (source, payload type) in one write transaction (rolled back unless OK).
  absl::Status Deliver(const std::string& source, const google::protobuf::Message& payload) {
    ::events::v1::EventEnvelope envelope;
    envelope.set_id(api::NewUuidV4());
    envelope.set_type(payload.GetDescriptor()->full_name());
    envelope.set_source(source);
    envelope.mutable_payload()->PackFrom(payload);
    const events::EventHandler* handler = handlers_.Find(source, envelope.type());
    if (handler == nullptr) return absl::NotFoundError(absl::StrCat("no handler of ", source));
    return database_->Write([&](db::WriteTx& tx) { return (*handler)(tx, envelope); });
  }

  // Registers an FCM token for `user` on a device of their own.
  void AddToken(const std::string& user) {
    v1::RegisterPushTokenRequest request;
    request.set_device_id(api::NewUuidV4());
    request.set_app_id("com.example.game");
    request.set_platform(v1::PLATFORM_FCM);
    request.set_token(absl::StrCat("fcm:", api::NewUuidV4()));
    absl::Status status = database_->Write([&](db::WriteTx& tx) -> absl::Status {
      return TokenStore().Register(tx, user, request).status();
    });
    ASSERT_TRUE(status.ok()) << status;
  }

  void MutePush(const std::string& user, const std::string& category) {
    v1::SetPreferencesRequest request;
    v1::CategoryPreference& muted = *request.add_categories();
    muted.set_category(category);
    muted.set_push_muted(true);
    absl::Status status = database_->Write([&](db::WriteTx& tx) -> absl::Status {
      PreferenceStore().Replace(tx, user, request);
      return absl::OkStatus();
    });
    ASSERT_TRUE(status.ok()) << status;
  }

  // `user`'s notifications, oldest first, with their deliveries.
  std::vector<Row> RowsOf(const std::string& user) {
    pqxx::connection connection(scratch_.Conninfo());
    pqxx::nontransaction tx(connection);
    std::vector<Row> rows;
    for (const pqxx::row& r : tx.exec_params(
             "SELECT l.user_id::text, l.category, l.in_inbox, l.sender_id IS NULL, l.body, "
             "l.collapse_key, l.priority, coalesce((SELECT string_agg(d.state, ',' ORDER BY "
             "d.state) FROM deliveries d WHERE d.notification_log_id = l.id), '') "
             "FROM notification_logs l WHERE l.user_id = $1 ORDER BY l.created_at, l.id",
             user)) {
      Row row{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<bool>(),
              r[3].as<bool>(),        r[4].as<std::string>(), r[5].as<std::string>(),
              r[6].as<std::string>()};
      for (absl::string_view state :
           absl::StrSplit(r[7].as<std::string>(), ',', absl::SkipEmpty())) {
        row.delivery_states.emplace_back(state);
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  int64_t NotificationCount() {
    pqxx::connection connection(scratch_.Conninfo());
    pqxx::nontransaction tx(connection);
    return tx
        .exec1(
            "SELECT (SELECT count(*) FROM notification_logs) + "
            "(SELECT count(*) FROM deliveries)")[0]
        .as<int64_t>();
  }

  static std::string NewUser() { return api::NewUuidV4(); }

  qs::testing::ScratchDatabase scratch_{"notification"};
  std::unique_ptr<db::Database> database_;
  NotificationSender sender_{NotificationSettings{}};
  events::EventHandlers handlers_;
};

using States = std::vector<std::string>;

TEST_F(EventNoticeHandlersTest, RegistersForSocialAndQuest) {
  EXPECT_EQ(handlers_.Sources(), (std::vector<std::string>{"quest", "social"}));
  for (const char* type : {"social.v1.FriendRequestSent", "social.v1.FriendRequestAccepted",
                           "social.v1.ChatMessageSent", "social.v1.GuildJoinRequested",
                           "social.v1.GuildMemberJoined"}) {
    EXPECT_NE(handlers_.Find("social", type), nullptr) << type;
  }
  EXPECT_NE(handlers_.Find("quest", "quest.v1.MatchFinished"), nullptr);
  EXPECT_NE(handlers_.Find("quest", "quest.v1.PuzzleSolved"), nullptr);
  EXPECT_EQ(handlers_.Find("social", "social.v1.FriendRemoved"), nullptr)
      << "events without a notice are recorded without effect by the consumer";
}

TEST_F(EventNoticeHandlersTest, FriendRequestSentIsAnInboxEntryAndAPushPerToken) {
  const std::string alice = NewUser(), bob = NewUser();
  AddToken(bob);
  AddToken(bob);
  ::social::v1::FriendRequestSent sent;
  sent.set_pair_id(api::NewUuidV4());
  sent.set_request_id(api::NewUuidV4());
  sent.set_requester_id(alice);
  sent.set_recipient_id(bob);
  ASSERT_TRUE(Deliver("social", sent).ok());

  std::vector<Row> rows = RowsOf(bob);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].category, "friend_request");
  EXPECT_TRUE(rows[0].in_inbox);
  EXPECT_TRUE(rows[0].from_system);
  EXPECT_EQ(rows[0].delivery_states, (States{"queued", "queued"}));
  EXPECT_TRUE(RowsOf(alice).empty()) << "the requester is not told of their own request";
}

TEST_F(EventNoticeHandlersTest, AMutedCategoryKeepsTheInboxEntryButMutesThePush) {
  const std::string alice = NewUser(), bob = NewUser();
  AddToken(alice);
  MutePush(alice, "friend_accepted");
  ::social::v1::FriendRequestAccepted accepted;
  accepted.set_pair_id(api::NewUuidV4());
  accepted.set_request_id(api::NewUuidV4());
  accepted.set_requester_id(alice);
  accepted.set_accepter_id(bob);
  ASSERT_TRUE(Deliver("social", accepted).ok());

  std::vector<Row> rows = RowsOf(alice);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].category, "friend_accepted");
  EXPECT_TRUE(rows[0].in_inbox);
  EXPECT_EQ(rows[0].delivery_states, States{"muted"});
}

TEST_F(EventNoticeHandlersTest, DirectMessageIsAPushOnlyCollapsedPerChannel) {
  const std::string alice = NewUser(), bob = NewUser(), channel = api::NewUuidV4();
  AddToken(bob);
  ::social::v1::ChatMessageSent message;
  message.set_message_id(api::NewUuidV4());
  message.set_channel_id(channel);
  message.set_channel_kind("direct");
  message.set_sequence(1);
  message.set_sender_id(alice);
  message.add_recipient_ids(bob);
  ASSERT_TRUE(Deliver("social", message).ok());

  std::vector<Row> rows = RowsOf(bob);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].category, "chat_message");
  EXPECT_FALSE(rows[0].in_inbox) << "push only: chat has its own unread state";
  EXPECT_EQ(rows[0].collapse_key, channel);
  EXPECT_EQ(rows[0].priority, "high");
  EXPECT_TRUE(rows[0].body.empty());
  EXPECT_EQ(rows[0].delivery_states, States{"queued"});

  message.set_channel_kind("guild");
  message.set_guild_id(api::NewUuidV4());
  const int64_t before = NotificationCount();
  ASSERT_TRUE(Deliver("social", message).ok());
  EXPECT_EQ(NotificationCount(), before) << "guild channel messages produce nothing";
}

TEST_F(EventNoticeHandlersTest, GuildJoinRequestTellsTheAdminsAndApprovalTellsTheMember) {
  const std::string owner = NewUser(), admin = NewUser(), carol = NewUser(),
                    guild = api::NewUuidV4();
  ::social::v1::GuildJoinRequested requested;
  requested.set_guild_id(guild);
  requested.set_user_id(carol);
  requested.add_admin_ids(owner);
  requested.add_admin_ids(admin);
  ASSERT_TRUE(Deliver("social", requested).ok());
  for (const std::string& user : {owner, admin}) {
    std::vector<Row> rows = RowsOf(user);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].category, "guild_join_request");
    EXPECT_TRUE(rows[0].in_inbox);
    EXPECT_TRUE(rows[0].delivery_states.empty()) << "no tokens, no pushes";
  }
  EXPECT_TRUE(RowsOf(carol).empty());

  ::social::v1::GuildMemberJoined joined;
  joined.set_guild_id(guild);
  joined.set_user_id(carol);
  joined.set_approved_by(admin);
  ASSERT_TRUE(Deliver("social", joined).ok());
  std::vector<Row> rows = RowsOf(carol);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].category, "guild_joined");
}

TEST_F(EventNoticeHandlersTest, MatchFinishedTellsEachParticipantTheirRank) {
  const std::string winner = NewUser(), second = NewUser();
  AddToken(second);
  ::quest::v1::MatchFinished finished;
  finished.set_match_id(api::NewUuidV4());
  finished.set_winner_id(winner);
  ::quest::v1::MatchParticipant* p = finished.add_participants();
  p->set_user_id(second);
  p->set_rank(2);
  p = finished.add_participants();
  p->set_user_id(winner);
  p->set_rank(1);
  ASSERT_TRUE(Deliver("quest", finished).ok());

  std::vector<Row> rows = RowsOf(second);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].category, "match_finished");
  EXPECT_EQ(rows[0].body, "You placed 2nd of 2.");
  EXPECT_EQ(rows[0].delivery_states, States{"queued"});
  rows = RowsOf(winner);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].body, "You won! 1st of 2.");
}

// A MatchFinished published by quest before it consumed a participant's
// UserErased may reach notification after notification erased him: he is
// left out, the others are told.
TEST_F(EventNoticeHandlersTest, AnErasedRecipientIsNotBroughtBack) {
  const std::string erased = NewUser(), other = NewUser();
  absl::Status recorded = database_->Write([&](db::WriteTx& tx) -> absl::Status {
    ::ops::v1::ServiceErasure erasure;
    erasure.set_service("notification");
    privacy::ErasureStore::Record(tx, privacy::UserHash(erased), erasure);
    return absl::OkStatus();
  });
  ASSERT_TRUE(recorded.ok()) << recorded;
  ::quest::v1::MatchFinished finished;
  finished.set_match_id(api::NewUuidV4());
  finished.set_winner_id(other);
  ::quest::v1::MatchParticipant* p = finished.add_participants();
  p->set_user_id(other);
  p->set_rank(1);
  p = finished.add_participants();
  p->set_user_id(erased);
  p->set_rank(2);
  ASSERT_TRUE(Deliver("quest", finished).ok());
  EXPECT_TRUE(RowsOf(erased).empty());
  EXPECT_EQ(RowsOf(other).size(), 1u);

  // An event for him alone writes nothing at all.
  ::social::v1::FriendRequestSent sent;
  sent.set_pair_id(api::NewUuidV4());
  sent.set_request_id(api::NewUuidV4());
  sent.set_requester_id(other);
  sent.set_recipient_id(erased);
  const int64_t before = NotificationCount();
  ASSERT_TRUE(Deliver("social", sent).ok());
  EXPECT_EQ(NotificationCount(), before);
}

// The notices of social's events name a user besides their recipients
// (the requester, accepter, sender, joiner or approver). One who names an
// erased user is dropped whole, so his id does not come back through its
// data; the same events naming a user who was not erased are sent.
TEST_F(EventNoticeHandlersTest, ANoticeNamingAnErasedUserIsDropped) {
  const std::string erased = NewUser();
  absl::Status recorded = database_->Write([&](db::WriteTx& tx) -> absl::Status {
    ::ops::v1::ServiceErasure erasure;
    erasure.set_service("social");
    privacy::ErasureStore::Record(tx, privacy::UserHash(erased), erasure);
    return absl::OkStatus();
  });
  ASSERT_TRUE(recorded.ok()) << recorded;

  // Delivers each event naming `named` (in upper case too: ids are matched
  // in either case) to a recipient of its own; returns the recipients.
  auto deliver_naming = [&](const std::string& named) {
    std::vector<std::string> recipients;
    for (int i = 0; i < 6; ++i) recipients.push_back(NewUser());
    ::social::v1::FriendRequestSent sent;
    sent.set_pair_id(api::NewUuidV4());
    sent.set_request_id(api::NewUuidV4());
    sent.set_requester_id(named);
    sent.set_recipient_id(recipients[0]);
    EXPECT_TRUE(Deliver("social", sent).ok());
    ::social::v1::FriendRequestAccepted accepted;
    accepted.set_pair_id(api::NewUuidV4());
    accepted.set_request_id(api::NewUuidV4());
    accepted.set_requester_id(recipients[1]);
    accepted.set_accepter_id(absl::AsciiStrToUpper(named));
    EXPECT_TRUE(Deliver("social", accepted).ok());
    ::social::v1::ChatMessageSent message;
    message.set_message_id(api::NewUuidV4());
    message.set_channel_id(api::NewUuidV4());
    message.set_channel_kind("direct");
    message.set_sequence(1);
    message.set_sender_id(named);
    message.add_recipient_ids(recipients[2]);
    EXPECT_TRUE(Deliver("social", message).ok());
    ::social::v1::GuildJoinRequested requested;
    requested.set_guild_id(api::NewUuidV4());
    requested.set_user_id(named);
    requested.add_admin_ids(recipients[3]);
    requested.add_admin_ids(recipients[4]);
    EXPECT_TRUE(Deliver("social", requested).ok());
    ::social::v1::GuildMemberJoined joined;
    joined.set_guild_id(api::NewUuidV4());
    joined.set_user_id(recipients[5]);
    joined.set_approved_by(named);
    EXPECT_TRUE(Deliver("social", joined).ok());
    return recipients;
  };

  const int64_t before = NotificationCount();
  for (const std::string& recipient : deliver_naming(erased)) {
    EXPECT_TRUE(RowsOf(recipient).empty()) << recipient;
  }
  EXPECT_EQ(NotificationCount(), before) << "nothing written at all";
  pqxx::connection connection(scratch_.Conninfo());
  EXPECT_EQ(pqxx::nontransaction(connection)
                .exec_params("SELECT count(*) FROM notification_logs "
                             "WHERE position(lower($1::text) IN lower(data::text)) > 0",
                             erased)[0][0]
                .as<int>(),
            0);

  for (const std::string& recipient : deliver_naming(NewUser())) {
    EXPECT_EQ(RowsOf(recipient).size(), 1u) << "a user not erased is named as before";
  }
}

TEST_F(EventNoticeHandlersTest, AMalformedParticipantIsRefusedAndNothingIsWritten) {
  ::quest::v1::MatchFinished finished;
  finished.set_match_id(api::NewUuidV4());
  ::quest::v1::MatchParticipant* p = finished.add_participants();
  p->set_user_id(NewUser());
  p->set_rank(1);
  p = finished.add_participants();
  p->set_user_id("not-a-user");
  p->set_rank(2);
  absl::Status status = Deliver("quest", finished);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message().rfind("MatchFinished.participants[1].user_id:", 0), 0u) << status;
  EXPECT_EQ(NotificationCount(), 0) << "the first participant's send was refused with it";
}

TEST_F(EventNoticeHandlersTest, ASendTheSendPathRefusesIsInvalidArgumentToo) {
  // The nil UUID is the system, never a recipient (ValidateSend): the send
  // path's own check parks the event as well.
  ::social::v1::FriendRequestSent sent;
  sent.set_request_id(api::NewUuidV4());
  sent.set_requester_id(NewUser());
  sent.set_recipient_id("00000000-0000-0000-0000-000000000000");
  absl::Status status = Deliver("social", sent);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(status.message().rfind("recipient_user_ids:", 0), 0u) << status;
  EXPECT_EQ(NotificationCount(), 0);
}

TEST_F(EventNoticeHandlersTest, StreakMilestonesFromTheSettings) {
  const std::string user = NewUser();
  ::quest::v1::PuzzleSolved solved;
  solved.set_user_id(user);
  solved.set_puzzle_id(api::NewUuidV4());
  solved.set_attempt_id(api::NewUuidV4());
  for (int day = 1; day <= 8; ++day) {
    solved.set_current_streak(day);
    solved.set_streak_extended(true);
    ASSERT_TRUE(Deliver("quest", solved).ok());
    solved.set_streak_extended(false);  // a second solve the same day
    ASSERT_TRUE(Deliver("quest", solved).ok());
  }
  std::vector<Row> rows = RowsOf(user);
  ASSERT_EQ(rows.size(), 2u) << "days 3 and 7 (the test's milestones), once each";
  EXPECT_EQ(rows[0].category, "streak_milestone");
  EXPECT_EQ(rows[0].body, "You solved a puzzle 3 days in a row.");
  EXPECT_EQ(rows[1].body, "You solved a puzzle 7 days in a row.");
}

TEST_F(EventNoticeHandlersTest, APayloadOfAnotherTypeIsInvalidArgument) {
  ::events::v1::EventEnvelope envelope;
  envelope.set_id(api::NewUuidV4());
  envelope.set_type("social.v1.FriendRequestSent");
  envelope.set_source("social");
  ::quest::v1::PuzzleSolved wrong;
  wrong.set_user_id(NewUser());
  envelope.mutable_payload()->PackFrom(wrong);
  const events::EventHandler* handler = handlers_.Find("social", envelope.type());
  ASSERT_NE(handler, nullptr);
  absl::Status status = database_->Write([&](db::WriteTx& tx) { return (*handler)(tx, envelope); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
}

}  // namespace
}  // namespace qs::notification
