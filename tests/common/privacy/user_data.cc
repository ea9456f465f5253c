#include "tests/common/privacy/user_data.h"

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/notification/v1/inbox.grpc.pb.h"
#include "proto/notification/v1/preferences.grpc.pb.h"
#include "proto/notification/v1/push_tokens.grpc.pb.h"
#include "proto/ops/v1/privacy.grpc.pb.h"
#include "proto/quest/v1/attempts.grpc.pb.h"
#include "proto/quest/v1/matches.grpc.pb.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "proto/social/v1/chat.grpc.pb.h"
#include "proto/social/v1/friends.grpc.pb.h"
#include "proto/social/v1/guilds.grpc.pb.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("x-user-id", user);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

// Runs `rpc` as `user`; a test failure naming `what` unless OK.
template <typename Stub, typename Request, typename Response>
Response Call(Stub& stub,
              grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
              const std::string& user, const Request& request, const char* what) {
  Response response;
  grpc::Status status = (stub.*rpc)(As(user).get(), request, &response);
  EXPECT_TRUE(status.ok()) << what << ": " << status.error_message();
  return response;
}

// Tables whose rows of another user change by design when a user is erased.
bool ChangesByDesign(const std::string& table) {
  return table == "guilds" || table == "guild_members" || table == "friend_suggestion_lists" ||
         table == "outbox_events";
}

}  // namespace

std::unique_ptr<grpc::ClientContext> AdminContext(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

grpc::Status EraseUser(const std::shared_ptr<grpc::Channel>& channel, const std::string& user_id,
                       ::ops::v1::EraseUserResponse* response) {
  ::ops::v1::EraseUserRequest request;
  request.set_user_id(user_id);
  ::ops::v1::EraseUserResponse ignored;
  return ::ops::v1::Privacy::NewStub(channel)->EraseUser(AdminContext().get(), request,
                                                         response ? response : &ignored);
}

::ops::v1::GetErasureStatusResponse ErasureStatus(const std::shared_ptr<grpc::Channel>& channel,
                                                  const std::string& user_id) {
  ::ops::v1::GetErasureStatusRequest request;
  request.set_user_id(user_id);
  ::ops::v1::GetErasureStatusResponse response;
  grpc::Status status = ::ops::v1::Privacy::NewStub(channel)->GetErasureStatus(AdminContext().get(),
                                                                               request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response;
}

void CreateQuestData(const std::shared_ptr<grpc::Channel>& quest, const std::string& user,
                     const std::string& other) {
  namespace v1 = ::quest::v1;
  auto puzzles = v1::PuzzleService::NewStub(quest);
  auto attempts = v1::AttemptService::NewStub(quest);
  auto matches = v1::MatchService::NewStub(quest);
  auto publish = [&](const std::string& author) {
    v1::CreatePuzzleRequest request;
    request.set_title("Erasure fork");
    request.set_kind(v1::PUZZLE_KIND_CHESS);
    request.set_rating(1500);
    request.set_content("position");
    request.set_solution("Nc7+");
    request.set_publish(true);
    return Call(*puzzles, &v1::PuzzleService::Stub::CreatePuzzle, author, request, "CreatePuzzle")
        .id();
  };
  auto solve = [&](const std::string& puzzle_id, const std::string& player) {
    v1::StartAttemptRequest start;
    start.set_puzzle_id(puzzle_id);
    v1::SubmitAttemptRequest submit;
    submit.set_attempt_id(
        Call(*attempts, &v1::AttemptService::Stub::StartAttempt, player, start, "StartAttempt")
            .id());
    submit.set_answer("Nc7+");
    submit.set_request_id(api::NewUuidV4());
    Call(*attempts, &v1::AttemptService::Stub::SubmitAttempt, player, submit, "SubmitAttempt");
  };
  const std::string his_puzzle = publish(user);
  const std::string their_puzzle = publish(other);
  solve(their_puzzle, user);
  solve(his_puzzle, other);

  v1::CreateMatchRequest create;
  create.set_mode(v1::MATCH_MODE_HEAD_TO_HEAD);
  create.add_puzzle_ids(their_puzzle);
  const v1::Match match =
      Call(*matches, &v1::MatchService::Stub::CreateMatch, user, create, "CreateMatch");
  v1::MatchRequest in_match;
  in_match.set_match_id(match.id());
  Call(*matches, &v1::MatchService::Stub::JoinMatch, other, in_match, "JoinMatch");
  Call(*matches, &v1::MatchService::Stub::StartMatch, user, in_match, "StartMatch");
  v1::SubmitMatchAnswerRequest answer;
  answer.set_match_id(match.id());
  answer.set_puzzle_id(their_puzzle);
  answer.set_answer("Nc7+");
  Call(*matches, &v1::MatchService::Stub::SubmitMatchAnswer, user, answer, "SubmitMatchAnswer");
  answer.set_answer("wrong");
  const v1::SubmitMatchAnswerResponse last = Call(
      *matches, &v1::MatchService::Stub::SubmitMatchAnswer, other, answer, "SubmitMatchAnswer");
  EXPECT_EQ(last.match().status(), v1::MATCH_STATUS_FINISHED);
  EXPECT_EQ(last.match().winner_id(), user);
}

void CreateSocialData(const std::shared_ptr<grpc::Channel>& social, const std::string& user,
                      const std::string& other) {
  namespace v1 = ::social::v1;
  auto friends = v1::FriendService::NewStub(social);
  auto guilds = v1::GuildService::NewStub(social);
  auto chat = v1::ChatService::NewStub(social);

  v1::SendFriendRequestRequest request;
  request.set_user_id(other);
  Call(*friends, &v1::FriendService::Stub::SendFriendRequest, user, request, "SendFriendRequest");
  v1::AcceptFriendRequestRequest accept;
  accept.set_user_id(user);
  Call(*friends, &v1::FriendService::Stub::AcceptFriendRequest, other, accept,
       "AcceptFriendRequest");
  request.set_user_id(api::NewUuidV4());
  Call(*friends, &v1::FriendService::Stub::SendFriendRequest, user, request, "SendFriendRequest");
  v1::BlockUserRequest block;
  block.set_user_id(api::NewUuidV4());
  Call(*friends, &v1::FriendService::Stub::BlockUser, user, block, "BlockUser");

  auto create_guild = [&](const std::string& owner) {
    v1::CreateGuildRequest create;
    create.set_name(absl::StrCat("erasure ", api::NewUuidV4().substr(0, 18)));
    create.set_open(true);
    create.set_max_members(10);
    return Call(*guilds, &v1::GuildService::Stub::CreateGuild, owner, create, "CreateGuild").id();
  };
  auto join = [&](const std::string& guild_id, const std::string& member) {
    v1::JoinGuildRequest join_request;
    join_request.set_guild_id(guild_id);
    Call(*guilds, &v1::GuildService::Stub::JoinGuild, member, join_request, "JoinGuild");
  };
  const std::string his_guild = create_guild(user);
  join(his_guild, other);
  const std::string their_guild = create_guild(other);
  join(their_guild, user);

  v1::SendMessageRequest message;
  message.set_guild_id(their_guild);
  message.set_text("hello guild");
  message.set_client_message_id("m-1");
  Call(*chat, &v1::ChatService::Stub::SendMessage, user, message, "SendMessage (guild)");
  message.set_text("welcome");
  Call(*chat, &v1::ChatService::Stub::SendMessage, other, message, "SendMessage (guild)");
  message.set_recipient_user_id(other);
  message.set_text("hello you");
  const v1::ChatMessage direct =
      Call(*chat, &v1::ChatService::Stub::SendMessage, user, message, "SendMessage (direct)")
          .message();
  message.set_recipient_user_id(user);
  message.set_text("hello back");
  Call(*chat, &v1::ChatService::Stub::SendMessage, other, message, "SendMessage (direct)");
  v1::MarkChannelReadRequest read;
  read.set_channel_id(direct.channel_id());
  read.set_up_to_sequence(direct.sequence());
  Call(*chat, &v1::ChatService::Stub::MarkChannelRead, user, read, "MarkChannelRead");
}

void CreateNotificationData(const std::shared_ptr<grpc::Channel>& notification,
                            const std::string& user, const std::string& other) {
  namespace v1 = ::notification::v1;
  auto tokens = v1::PushTokenService::NewStub(notification);
  auto preferences = v1::PreferenceService::NewStub(notification);
  auto inbox = v1::InboxService::NewStub(notification);
  for (const std::string& who : {user, other}) {
    v1::RegisterPushTokenRequest token;
    token.set_device_id("phone-" + who);  // (app, device) is one installation
    token.set_app_id("com.example.erasure");
    token.set_platform(v1::PLATFORM_FCM);
    token.set_token(absl::StrCat("fcm:", api::NewUuidV4(), "-", api::NewUuidV4()));
    Call(*tokens, &v1::PushTokenService::Stub::RegisterPushToken, who, token, "RegisterPushToken");
    v1::SetPreferencesRequest set;
    v1::CategoryPreference* category = set.add_categories();
    category->set_category("chat");
    category->set_push_muted(true);
    set.mutable_quiet_hours()->set_start_minute(22 * 60);
    set.mutable_quiet_hours()->set_end_minute(7 * 60);
    Call(*preferences, &v1::PreferenceService::Stub::SetPreferences, who, set, "SetPreferences");
  }
  auto send = [&](const std::string& from, const std::string& to) {
    v1::SendNotificationRequest request;
    request.add_recipient_user_ids(to);
    request.set_category("friends");
    request.set_title("hello");
    (*request.mutable_data())["from_user_id"] = from;
    request.set_deep_link("game://profile/" + from);
    request.set_request_id(api::NewUuidV4());
    Call(*inbox, &v1::InboxService::Stub::SendNotification, from, request, "SendNotification");
  };
  send(other, user);
  send(user, other);
}

int64_t ErasureScan::RowsMentioningUser() const {
  int64_t rows = 0;
  for (const auto& [table, count] : user_rows) rows += count;
  return rows;
}

std::set<std::string> ErasureScan::TablesMentioningUser() const {
  std::set<std::string> tables;
  for (const auto& [table, count] : user_rows) {
    if (count > 0) tables.insert(table);
  }
  return tables;
}

ErasureScan ScanDatabase(const std::string& database, const std::string& user,
                         const std::string& other) {
  const TestInfra& infra = TestInfra::Get();
  pqxx::connection connection(infra.AdminConnectionString(infra.primary_port, database));
  pqxx::nontransaction tx(connection);
  // Every table of the schema with its bytea columns: the row's text form
  // shows uuid, text, json and array columns as they are, but bytea as hex.
  std::map<std::string, std::vector<std::string>> tables;
  for (const auto& row :
       tx.exec("SELECT c.relname, a.attname, t.typname = 'bytea' FROM pg_class c "
               "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public' "
               "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
               "JOIN pg_type t ON t.oid = a.atttypid WHERE c.relkind IN ('r', 'p') "
               "ORDER BY c.relname, a.attnum")) {
    std::vector<std::string>& bytea_columns = tables[row[0].as<std::string>()];
    if (row[2].as<bool>()) bytea_columns.push_back(row[1].as<std::string>());
  }
  auto mentions = [&](const std::string& parameter, const std::vector<std::string>& bytea) {
    std::string sql = absl::StrCat("(position(", parameter, " IN lower(t::text)) > 0");
    for (const std::string& column : bytea) {
      absl::StrAppend(&sql, " OR position(convert_to(", parameter, ", 'UTF8') IN t.",
                      tx.quote_name(column), ") > 0");
    }
    return sql + ")";
  };
  ErasureScan scan;
  for (const auto& [table, bytea] : tables) {
    const std::string from = absl::StrCat(" FROM ", tx.quote_name(table), " t WHERE ");
    scan.user_rows[table] =
        tx.exec_params(absl::StrCat("SELECT count(*)", from, mentions("$1", bytea)), user)[0][0]
            .as<int64_t>();
    std::map<std::string, std::string>& others = scan.other_rows[table];
    for (const auto& row :
         tx.exec_params(absl::StrCat("SELECT t.id::text, t::text", from, mentions("$2", bytea),
                                     " AND NOT ", mentions("$1", bytea)),
                        user, other)) {
      others[row[0].as<std::string>()] = row[1].as<std::string>();
    }
  }
  return scan;
}

int64_t UserErasedEventsInOutbox(const std::string& database, const std::string& user) {
  const TestInfra& infra = TestInfra::Get();
  pqxx::connection connection(infra.AdminConnectionString(infra.primary_port, database));
  pqxx::nontransaction tx(connection);
  return tx
      .exec_params(
          "SELECT count(*) FROM outbox_events WHERE type = 'ops.v1.UserErased' "
          "AND aggregate_id = $1::uuid",
          user)[0][0]
      .as<int64_t>();
}

void ExpectOtherUserUntouched(const ErasureScan& before, const ErasureScan& after,
                              const std::string& database) {
  for (const auto& [table, rows] : before.other_rows) {
    auto now = after.other_rows.find(table);
    for (const auto& [id, text] : rows) {
      const bool present = now != after.other_rows.end() && now->second.count(id) > 0;
      EXPECT_TRUE(present) << database << "." << table << " lost the other user's row " << text;
      if (present && !ChangesByDesign(table)) {
        EXPECT_EQ(now->second.at(id), text) << database << "." << table << " changed";
      }
    }
  }
}

void ExpectEraseLeavesOnlyUserErased(const std::shared_ptr<grpc::Channel>& channel,
                                     const std::string& database, const std::string& user,
                                     const std::string& other,
                                     const std::vector<std::string>& tables) {
  const ErasureScan before = ScanDatabase(database, user, other);
  for (const std::string& table : tables) {
    EXPECT_GT(before.user_rows.at(table), 0) << table << " holds no row of his to erase";
  }
  ::ops::v1::EraseUserResponse erased;
  grpc::Status status = EraseUser(channel, user, &erased);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GT(erased.erasure().rows_erased(), 0);

  const ErasureScan after = ScanDatabase(database, user, other);
  EXPECT_EQ(after.TablesMentioningUser(), std::set<std::string>{"outbox_events"});
  EXPECT_EQ(after.user_rows.at("outbox_events"), 1);
  EXPECT_EQ(UserErasedEventsInOutbox(database, user), 1) << "the one row left is UserErased";
  ExpectOtherUserUntouched(before, after, database);
}

}  // namespace qs::testing
