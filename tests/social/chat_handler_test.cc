// social.v1.ChatService end to end: the real social binary, a real gRPC
// client, invariants checked in SQL on the primary. Guild membership and
// blocks are set up with SQL on guild_members / user_blocks (the guild and
// friend parts own those tables; chat only reads them).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "common/db/row_mapping.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "proto/social/v1/events.pb.h"
#include "social/chat_store.h"
#include "tests/social/social_server_fixture.h"
#include "tests/support/start_barrier.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

namespace v1 = ::social::v1;
using google::protobuf::util::TimeUtil;

class ChatHandlerTest : public SocialServerFixture {
 protected:
  static std::string NewUser() { return api::NewUuidV4(); }

  static grpc::Status Send(const std::string& user, const v1::SendMessageRequest& request,
                           v1::SendMessageResponse* response = nullptr) {
    v1::SendMessageResponse ignored;
    return chat_->SendMessage(As(user).get(), request, response ? response : &ignored);
  }

  static v1::ChatMessage MustSend(const std::string& user, const v1::SendMessageRequest& request) {
    v1::SendMessageResponse response;
    grpc::Status status = Send(user, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return response.message();
  }

  static v1::SendMessageRequest ToUser(const std::string& recipient, const std::string& text,
                                       const std::string& client_message_id = "") {
    v1::SendMessageRequest request;
    request.set_recipient_user_id(recipient);
    request.set_text(text);
    request.set_client_message_id(client_message_id);
    return request;
  }
  static v1::SendMessageRequest ToGuild(const std::string& guild_id, const std::string& text) {
    v1::SendMessageRequest request;
    request.set_guild_id(guild_id);
    request.set_text(text);
    return request;
  }
  static v1::SendMessageRequest ToChannel(const std::string& channel_id, const std::string& text) {
    v1::SendMessageRequest request;
    request.set_channel_id(channel_id);
    request.set_text(text);
    return request;
  }

  // Every page of a channel's history, `page_size` at a time.
  static std::vector<v1::ChatMessage> ListAll(const std::string& user,
                                              v1::ListMessagesRequest request) {
    std::vector<v1::ChatMessage> all;
    for (int pages = 0; pages < 1000; ++pages) {
      v1::ListMessagesResponse response;
      grpc::Status status = chat_->ListMessages(As(user).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const v1::ChatMessage& m : response.messages()) all.push_back(m);
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return all;
  }
  static v1::ListMessagesRequest History(const std::string& channel_id, int page_size,
                                         v1::Direction direction = v1::DIRECTION_BACKWARD) {
    v1::ListMessagesRequest request;
    request.set_channel_id(channel_id);
    request.set_page_size(page_size);
    request.set_direction(direction);
    return request;
  }
  // Waits until the replica shows `count` messages of the channel (numbered
  // 1..count). ListMessages alone cannot tell: while the replica does not
  // know the channel it answers from the primary, and the next read, on the
  // replica, may still lack messages. ListChannels reads only the replica.
  static void WaitForHistory(const std::string& user, const std::string& channel_id, size_t count) {
    ASSERT_TRUE(Eventually([&] {
      std::optional<v1::Channel> channel = ChannelOf(user, channel_id);
      return channel && channel->last_sequence() == static_cast<int64_t>(count) &&
             ListAll(user, History(channel_id, 100)).size() == count;
    })) << "the replica never showed "
        << count << " messages";
  }

  static std::vector<v1::Channel> Channels(const std::string& user, int page_size = 100) {
    std::vector<v1::Channel> all;
    v1::ListChannelsRequest request;
    request.set_page_size(page_size);
    for (int pages = 0; pages < 100; ++pages) {
      v1::ListChannelsResponse response;
      grpc::Status status = chat_->ListChannels(As(user).get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const v1::Channel& c : response.channels()) all.push_back(c);
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
    return all;
  }
  static std::optional<v1::Channel> ChannelOf(const std::string& user, const std::string& id) {
    for (v1::Channel& c : Channels(user)) {
      if (c.id() == id) return c;
    }
    return std::nullopt;
  }

  // A guild owned by `owner` (SQL on the guild part's tables).
  static std::string CreateGuild(const std::string& owner) {
    const std::string name = absl::StrCat("chat-guild-", api::NewUuidV4());
    const std::string id =
        QueryPrimary(kDatabase,
                     "INSERT INTO guilds (name, name_key, open, max_members, member_count, "
                     "owner_id) VALUES ($1, lower($1), true, 100, 0, $2) RETURNING id::text",
                     name, owner)[0][0]
            .as<std::string>();
    AddMember(id, owner, "owner");
    return id;
  }
  static void AddMember(const std::string& guild_id, const std::string& user,
                        const std::string& role = "member", const std::string& state = "member",
                        const std::string& muted_until = "") {
    QueryPrimary(kDatabase,
                 "INSERT INTO guild_members (guild_id, user_id, role, state, muted_until) "
                 "VALUES ($1, $2, $3, $4, nullif($5, '')::timestamptz)",
                 guild_id, user, role, state, muted_until);
    if (state == "member") {
      QueryPrimary(kDatabase, "UPDATE guilds SET member_count = member_count + 1 WHERE id = $1",
                   guild_id);
    }
  }
  static void Block(const std::string& blocker, const std::string& blocked) {
    QueryPrimary(kDatabase, "INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2)",
                 blocker, blocked);
  }

  // Runs `hold` in a write transaction of `database` kept open on a thread of
  // its own while `send` runs, until `send` returns or is seen waiting for
  // that transaction's locks (pg_blocking_pids: no timing). Then the held
  // transaction commits and `send` is let finish. True when `send` waited.
  static bool WaitedFor(db::Database& database, const std::function<void(db::WriteTx&)>& hold,
                        const std::function<void()>& send) {
    std::promise<int> held_pid;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::thread holder([&] {
      bool told = false;
      absl::Status status = database.Write([&](db::WriteTx& tx) -> absl::Status {
        hold(tx);
        held_pid.set_value(tx.Query("SELECT pg_backend_pid()")[0][0].as<int>());
        told = true;
        released.wait();
        return absl::OkStatus();
      });
      EXPECT_TRUE(status.ok()) << status;
      if (!told) held_pid.set_value(-1);
    });
    const int pid = held_pid.get_future().get();
    std::atomic<bool> done{false};
    std::thread sender([&] {
      send();
      done = true;
    });
    bool waited = false;
    while (pid > 0 && !done && !waited) {
      waited = QueryPrimary(kDatabase,
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE $1 = ANY(pg_blocking_pids(pid))",
                            pid)[0][0]
                   .as<int64_t>() > 0;
      if (!waited) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    release.set_value();
    holder.join();
    sender.join();
    return waited;
  }

  static std::string ChannelOfGuild(const std::string& guild) {
    return QueryPrimary(kDatabase, "SELECT id::text FROM chat_channels WHERE guild_id = $1",
                        guild)[0][0]
        .as<std::string>();
  }

  static int64_t Count(const std::string& sql, const std::string& arg) {
    return QueryPrimary(kDatabase, sql, arg)[0][0].as<int64_t>();
  }
  static int64_t MessagesInChannel(const std::string& channel_id) {
    return Count("SELECT count(*) FROM chat_messages WHERE channel_id = $1", channel_id);
  }
  static int64_t MessagesBy(const std::string& sender) {
    return Count("SELECT count(*) FROM chat_messages WHERE sender_id = $1", sender);
  }

  static std::vector<v1::ChatMessageSent> SentEvents(const std::string& channel_id) {
    std::vector<v1::ChatMessageSent> sent;
    for (const ::events::v1::EventEnvelope& envelope : OutboxEvents(kDatabase, channel_id)) {
      EXPECT_EQ(envelope.type(), "social.v1.ChatMessageSent");
      EXPECT_EQ(envelope.source(), "social");
      EXPECT_TRUE(envelope.payload().UnpackTo(&sent.emplace_back()));
    }
    return sent;
  }
};

void ExpectStatus(const grpc::Status& status, grpc::StatusCode code,
                  const std::string& prefix = "") {
  EXPECT_EQ(status.error_code(), code) << status.error_message();
  if (!prefix.empty()) {
    EXPECT_EQ(status.error_message().rfind(prefix, 0), 0u) << status.error_message();
  }
}

TEST_F(ChatHandlerTest, DirectMessagesShareOneChannelPerPairAndWriteAnEventWithoutText) {
  const std::string alice = NewUser(), bob = NewUser();
  v1::ChatMessage first = MustSend(alice, ToUser(bob, "hi bob"));
  v1::ChatMessage second = MustSend(bob, ToUser(alice, "hi alice"));
  v1::ChatMessage third = MustSend(alice, ToChannel(first.channel_id(), "how are you?"));
  EXPECT_EQ(second.channel_id(), first.channel_id());
  EXPECT_EQ(third.channel_id(), first.channel_id());
  EXPECT_EQ(first.sequence(), 1);
  EXPECT_EQ(second.sequence(), 2);
  EXPECT_EQ(third.sequence(), 3);
  EXPECT_EQ(first.sender_id(), alice);
  EXPECT_EQ(first.kind(), v1::MESSAGE_KIND_TEXT);
  EXPECT_EQ(first.text(), "hi bob");
  EXPECT_TRUE(first.has_created_at());
  EXPECT_FALSE(first.has_edited_at());
  EXPECT_FALSE(first.has_deleted_at());

  pqxx::result channel = QueryPrimary(
      kDatabase,
      "SELECT count(*), min(kind), min(last_sequence) FROM chat_channels "
      "WHERE (user_low_id = $1 AND user_high_id = $2) OR (user_low_id = $2 AND user_high_id = $1)",
      alice, bob);
  EXPECT_EQ(channel[0][0].as<int64_t>(), 1);
  EXPECT_EQ(channel[0][1].as<std::string>(), "direct");
  EXPECT_EQ(channel[0][2].as<int64_t>(), 3);

  std::vector<v1::ChatMessageSent> sent = SentEvents(first.channel_id());
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].message_id(), first.id());
  EXPECT_EQ(sent[0].channel_kind(), "direct");
  EXPECT_EQ(sent[0].sender_id(), alice);
  EXPECT_EQ(sent[0].sequence(), 1);
  ASSERT_EQ(sent[0].recipient_ids_size(), 1);
  EXPECT_EQ(sent[0].recipient_ids(0), bob);
  EXPECT_EQ(sent[1].recipient_ids(0), alice);
  for (const v1::ChatMessageSent& event : sent) {
    EXPECT_EQ(event.SerializeAsString().find("hi bob"), std::string::npos);
  }

  WaitForHistory(bob, first.channel_id(), 3);
  std::vector<v1::ChatMessage> history = ListAll(bob, History(first.channel_id(), 2));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].id(), third.id());  // backward: newest first
  EXPECT_EQ(history[2].id(), first.id());
}

TEST_F(ChatHandlerTest, BadInputIsInvalidArgumentNamingTheFieldAndChangesNothing) {
  const std::string alice = NewUser(), bob = NewUser();
  v1::SendMessageRequest no_target;
  no_target.set_text("hello");
  ExpectStatus(Send(alice, no_target), grpc::StatusCode::INVALID_ARGUMENT, "target: ");
  ExpectStatus(Send(alice, ToUser("not-a-uuid", "x")), grpc::StatusCode::INVALID_ARGUMENT,
               "recipient_user_id: ");
  ExpectStatus(Send(alice, ToUser(alice, "x")), grpc::StatusCode::INVALID_ARGUMENT,
               "recipient_user_id: ");
  ExpectStatus(Send(alice, ToChannel("42", "x")), grpc::StatusCode::INVALID_ARGUMENT,
               "channel_id: ");
  ExpectStatus(Send(alice, ToGuild("nope", "x")), grpc::StatusCode::INVALID_ARGUMENT, "guild_id: ");
  ExpectStatus(Send(alice, ToUser(bob, "")), grpc::StatusCode::INVALID_ARGUMENT, "text: ");
  ExpectStatus(Send(alice, ToUser(bob, "   ")), grpc::StatusCode::INVALID_ARGUMENT, "text: ");
  // Not UTF-8: proto3's runtime refuses the request before the handler
  // (ChatRules' own check is unit-tested); it must not be accepted.
  grpc::Status not_utf8 = Send(alice, ToUser(bob, "bad \xC3\x28 utf8"));
  EXPECT_FALSE(not_utf8.ok());
  EXPECT_NE(not_utf8.error_code(), grpc::StatusCode::UNKNOWN);
  ExpectStatus(Send(alice, ToUser(bob, std::string("nul\0", 4))),
               grpc::StatusCode::INVALID_ARGUMENT, "text: ");
  ExpectStatus(Send(alice, ToUser(bob, std::string(4097, 'x'))), grpc::StatusCode::INVALID_ARGUMENT,
               "text: at most 4096 bytes");
  for (const std::string& metadata :
       {std::string("[1]"), std::string("{\"a\":"), std::string("7"), std::string("{'a': 1}"),
        std::string(R"({"a": "\u0000"})"), "{\"k\":\"" + std::string(4096, 'x') + "\"}"}) {
    v1::SendMessageRequest request = ToUser(bob, "with metadata");
    request.set_metadata_json(metadata);
    ExpectStatus(Send(alice, request), grpc::StatusCode::INVALID_ARGUMENT, "metadata_json: ");
  }
  ExpectStatus(Send(alice, ToUser(bob, "x", "has space")), grpc::StatusCode::INVALID_ARGUMENT,
               "client_message_id: ");
  EXPECT_EQ(MessagesBy(alice), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM chat_channels WHERE user_low_id = $1 OR user_high_id = $1",
                  alice),
            0);

  // 4096 bytes exactly, and a JSON object, are accepted.
  v1::SendMessageRequest at_limit = ToUser(bob, std::string(4096, 'y'));
  at_limit.set_metadata_json(R"({"sticker": "wave", "n": [1, 2]})");
  v1::ChatMessage sent = MustSend(alice, at_limit);
  EXPECT_EQ(sent.text().size(), 4096u);
  EXPECT_NE(sent.metadata_json().find("\"sticker\""), std::string::npos);

  v1::ListMessagesRequest bad_list = History("x", 10);
  v1::ListMessagesResponse listed;
  ExpectStatus(chat_->ListMessages(As(alice).get(), bad_list, &listed),
               grpc::StatusCode::INVALID_ARGUMENT, "channel_id: ");
  bad_list = History(sent.channel_id(), 101);
  ExpectStatus(chat_->ListMessages(As(alice).get(), bad_list, &listed),
               grpc::StatusCode::INVALID_ARGUMENT, "page_size: ");
  bad_list = History(sent.channel_id(), 10);
  bad_list.set_start_sequence(-3);
  ExpectStatus(chat_->ListMessages(As(alice).get(), bad_list, &listed),
               grpc::StatusCode::INVALID_ARGUMENT, "start_sequence: ");
  bad_list = History(sent.channel_id(), 10);
  bad_list.set_page_token("garbage");
  ExpectStatus(chat_->ListMessages(As(alice).get(), bad_list, &listed),
               grpc::StatusCode::INVALID_ARGUMENT, "page_token: ");
}

TEST_F(ChatHandlerTest, CallsWithoutAUserAreUnauthenticated) {
  v1::SendMessageResponse sent;
  ExpectStatus(chat_->SendMessage(As("").get(), ToUser(NewUser(), "x"), &sent),
               grpc::StatusCode::UNAUTHENTICATED);
  v1::ListChannelsResponse channels;
  ExpectStatus(chat_->ListChannels(As("").get(), v1::ListChannelsRequest(), &channels),
               grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ChatHandlerTest, UnknownChannelsMessagesAndGuildsAreNotFound) {
  const std::string alice = NewUser();
  const std::string unknown = api::NewUuidV4();
  ExpectStatus(Send(alice, ToChannel(unknown, "x")), grpc::StatusCode::NOT_FOUND);
  ExpectStatus(Send(alice, ToGuild(unknown, "x")), grpc::StatusCode::NOT_FOUND);
  v1::ListMessagesResponse listed;
  ExpectStatus(chat_->ListMessages(As(alice).get(), History(unknown, 10), &listed),
               grpc::StatusCode::NOT_FOUND);
  v1::MarkChannelReadRequest mark;
  mark.set_channel_id(unknown);
  v1::MarkChannelReadResponse marked;
  ExpectStatus(chat_->MarkChannelRead(As(alice).get(), mark, &marked), grpc::StatusCode::NOT_FOUND);
  v1::EditMessageRequest edit;
  edit.set_message_id(unknown);
  edit.set_text("x");
  v1::EditMessageResponse edited;
  ExpectStatus(chat_->EditMessage(As(alice).get(), edit, &edited), grpc::StatusCode::NOT_FOUND);
  v1::DeleteMessageRequest del;
  del.set_message_id(unknown);
  v1::DeleteMessageResponse deleted;
  ExpectStatus(chat_->DeleteMessage(As(alice).get(), del, &deleted), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(MessagesBy(alice), 0);
}

TEST_F(ChatHandlerTest, OthersDirectChannelsArePermissionDenied) {
  const std::string alice = NewUser(), bob = NewUser(), eve = NewUser();
  v1::ChatMessage m = MustSend(alice, ToUser(bob, "private"));
  ExpectStatus(Send(eve, ToChannel(m.channel_id(), "let me in")),
               grpc::StatusCode::PERMISSION_DENIED);
  v1::ListMessagesResponse listed;
  ExpectStatus(chat_->ListMessages(As(eve).get(), History(m.channel_id(), 10), &listed),
               grpc::StatusCode::PERMISSION_DENIED);
  v1::MarkChannelReadRequest mark;
  mark.set_channel_id(m.channel_id());
  v1::MarkChannelReadResponse marked;
  ExpectStatus(chat_->MarkChannelRead(As(eve).get(), mark, &marked),
               grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(MessagesInChannel(m.channel_id()), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM channel_read_marks WHERE user_id = $1", eve), 0);
}

TEST_F(ChatHandlerTest, BlocksEndDirectChatBothWaysButKeepTheHistory) {
  const std::string alice = NewUser(), bob = NewUser();
  v1::ChatMessage before = MustSend(alice, ToUser(bob, "before the block"));
  Block(bob, alice);
  ExpectStatus(Send(alice, ToUser(bob, "hello?")), grpc::StatusCode::FAILED_PRECONDITION);
  ExpectStatus(Send(bob, ToUser(alice, "bye")), grpc::StatusCode::FAILED_PRECONDITION);
  ExpectStatus(Send(alice, ToChannel(before.channel_id(), "hello?")),
               grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(MessagesInChannel(before.channel_id()), 1);
  EXPECT_TRUE(SentEvents(before.channel_id()).size() == 1);
  WaitForHistory(alice, before.channel_id(), 1);

  // A refused first message leaves no channel behind.
  const std::string carol = NewUser(), dave = NewUser();
  Block(carol, dave);
  ExpectStatus(Send(dave, ToUser(carol, "hi")), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      Count("SELECT count(*) FROM chat_channels WHERE user_low_id = $1 OR user_high_id = $1", dave),
      0);

  QueryPrimary(kDatabase, "DELETE FROM user_blocks WHERE blocker_id = $1", bob);
  EXPECT_EQ(MustSend(alice, ToUser(bob, "friends again")).sequence(), 2);
}

TEST_F(ChatHandlerTest, GuildChannelsAreForMembersAndMutedMembersCannotPost) {
  const std::string owner = NewUser(), member = NewUser(), applicant = NewUser(),
                    banned = NewUser(), muted = NewUser(), was_muted = NewUser(),
                    stranger = NewUser();
  const std::string guild = CreateGuild(owner);
  AddMember(guild, member);
  AddMember(guild, applicant, "member", "join_request");
  AddMember(guild, banned, "member", "banned");
  AddMember(guild, muted, "member", "member", "2999-01-01T00:00:00Z");
  AddMember(guild, was_muted, "member", "member", "2000-01-01T00:00:00Z");

  v1::ChatMessage first = MustSend(member, ToGuild(guild, "hello guild"));
  EXPECT_EQ(first.sequence(), 1);
  v1::ChatMessage second = MustSend(owner, ToChannel(first.channel_id(), "welcome"));
  EXPECT_EQ(second.channel_id(), first.channel_id());
  EXPECT_EQ(MustSend(was_muted, ToGuild(guild, "a mute that ended")).sequence(), 3);

  ExpectStatus(Send(stranger, ToGuild(guild, "x")), grpc::StatusCode::PERMISSION_DENIED);
  ExpectStatus(Send(applicant, ToGuild(guild, "x")), grpc::StatusCode::PERMISSION_DENIED);
  ExpectStatus(Send(banned, ToChannel(first.channel_id(), "x")),
               grpc::StatusCode::PERMISSION_DENIED);
  ExpectStatus(Send(muted, ToGuild(guild, "x")), grpc::StatusCode::FAILED_PRECONDITION);
  v1::ListMessagesResponse listed;
  ExpectStatus(chat_->ListMessages(As(stranger).get(), History(first.channel_id(), 10), &listed),
               grpc::StatusCode::PERMISSION_DENIED);
  ExpectStatus(chat_->ListMessages(As(applicant).get(), History(first.channel_id(), 10), &listed),
               grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(MessagesInChannel(first.channel_id()), 3);
  EXPECT_EQ(Count("SELECT count(*) FROM chat_channels WHERE guild_id = $1", guild), 1);

  // The muted member still reads.
  WaitForHistory(muted, first.channel_id(), 3);

  std::vector<v1::ChatMessageSent> sent = SentEvents(first.channel_id());
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].channel_kind(), "guild");
  EXPECT_EQ(sent[0].guild_id(), guild);
  std::set<std::string> recipients(sent[0].recipient_ids().begin(), sent[0].recipient_ids().end());
  EXPECT_EQ(recipients, (std::set<std::string>{owner, muted, was_muted}));
}

TEST_F(ChatHandlerTest, ARetryWithTheSameClientMessageIdReturnsTheFirstMessage) {
  const std::string alice = NewUser(), bob = NewUser();
  v1::SendMessageResponse first, retry;
  ASSERT_TRUE(Send(alice, ToUser(bob, "once", "client-1"), &first).ok());
  ASSERT_TRUE(Send(alice, ToUser(bob, "once (retried)", "client-1"), &retry).ok());
  EXPECT_FALSE(first.replayed());
  EXPECT_TRUE(retry.replayed());
  EXPECT_EQ(retry.message().id(), first.message().id());
  EXPECT_EQ(retry.message().text(), "once");
  EXPECT_EQ(retry.message().client_message_id(), "client-1");
  // Another sender's id, or another id, is another message.
  EXPECT_EQ(MustSend(bob, ToUser(alice, "mine", "client-1")).sequence(), 2);
  EXPECT_EQ(MessagesInChannel(first.message().channel_id()), 2);
  EXPECT_EQ(SentEvents(first.message().channel_id()).size(), 2u);
}

TEST_F(ChatHandlerTest, ConcurrentRetriesOfAFirstMessageSendItOnce) {
  const std::string alice = NewUser(), bob = NewUser();
  constexpr int kThreads = 8;
  std::vector<v1::SendMessageResponse> responses(kThreads);
  std::vector<grpc::Status> statuses(kThreads);
  RunTogether(kThreads, [&](int i) {
    statuses[i] = Send(alice, ToUser(bob, "exactly once", "retry-race"), &responses[i]);
  });
  int replayed = 0;
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    EXPECT_EQ(responses[i].message().id(), responses[0].message().id());
    replayed += responses[i].replayed() ? 1 : 0;
  }
  EXPECT_EQ(replayed, kThreads - 1);
  const std::string channel = responses[0].message().channel_id();
  EXPECT_EQ(MessagesInChannel(channel), 1);
  EXPECT_EQ(Count("SELECT last_sequence FROM chat_channels WHERE id = $1", channel), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM chat_channels WHERE user_low_id = $1 OR user_high_id = $1",
                  alice),
            1);
  EXPECT_EQ(SentEvents(channel).size(), 1u);
}

TEST_F(ChatHandlerTest, ConcurrentSendersGetGapFreeSequencesAndPagingSeesEachOnce) {
  const std::string owner = NewUser();
  const std::string guild = CreateGuild(owner);
  constexpr int kThreads = 6, kPerThread = 10, kTotal = kThreads * kPerThread;
  std::vector<std::string> senders;
  for (int i = 0; i < kThreads; ++i) {
    senders.push_back(NewUser());
    AddMember(guild, senders.back());
  }
  std::atomic<int> failures{0};
  RunTogether(kThreads, [&](int i) {
    for (int k = 0; k < kPerThread; ++k) {
      if (!Send(senders[i], ToGuild(guild, absl::StrCat("m", i, "-", k))).ok()) ++failures;
    }
  });
  ASSERT_EQ(failures.load(), 0);

  pqxx::result seq = QueryPrimary(
      kDatabase,
      "SELECT count(*), count(DISTINCT m.sequence), min(m.sequence), max(m.sequence), "
      "min(c.last_sequence) FROM chat_messages m JOIN chat_channels c ON c.id = m.channel_id "
      "WHERE c.guild_id = $1",
      guild);
  EXPECT_EQ(seq[0][0].as<int64_t>(), kTotal);
  EXPECT_EQ(seq[0][1].as<int64_t>(), kTotal);
  EXPECT_EQ(seq[0][2].as<int64_t>(), 1);
  EXPECT_EQ(seq[0][3].as<int64_t>(), kTotal);
  EXPECT_EQ(seq[0][4].as<int64_t>(), kTotal);
  // created_at grows with sequence (time is resolved to a sequence).
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT m.created_at < lag(m.created_at) OVER "
                  "(ORDER BY m.sequence) AS back FROM chat_messages m JOIN chat_channels c "
                  "ON c.id = m.channel_id WHERE c.guild_id = $1) t WHERE back",
                  guild),
            0);

  const std::string channel =
      QueryPrimary(kDatabase, "SELECT id::text FROM chat_channels WHERE guild_id = $1", guild)[0][0]
          .as<std::string>();
  WaitForHistory(owner, channel, kTotal);
  for (v1::Direction direction : {v1::DIRECTION_FORWARD, v1::DIRECTION_BACKWARD}) {
    std::vector<v1::ChatMessage> all = ListAll(owner, History(channel, 7, direction));
    ASSERT_EQ(all.size(), static_cast<size_t>(kTotal));
    std::set<std::string> ids;
    for (int i = 0; i < kTotal; ++i) {
      const int64_t expected = direction == v1::DIRECTION_FORWARD ? i + 1 : kTotal - i;
      EXPECT_EQ(all[i].sequence(), expected);
      ids.insert(all[i].id());
    }
    EXPECT_EQ(ids.size(), static_cast<size_t>(kTotal));
  }
}

TEST_F(ChatHandlerTest, PagesFromASequenceOrAroundAPointInTime) {
  const std::string alice = NewUser(), bob = NewUser();
  std::vector<v1::ChatMessage> sent;
  for (int i = 1; i <= 10; ++i) sent.push_back(MustSend(alice, ToUser(bob, absl::StrCat("#", i))));
  const std::string channel = sent[0].channel_id();
  WaitForHistory(bob, channel, 10);

  auto sequences = [](const std::vector<v1::ChatMessage>& messages) {
    std::vector<int64_t> out;
    for (const v1::ChatMessage& m : messages) out.push_back(m.sequence());
    return out;
  };
  v1::ListMessagesRequest request = History(channel, 3, v1::DIRECTION_FORWARD);
  request.set_start_sequence(8);
  EXPECT_EQ(sequences(ListAll(bob, request)), (std::vector<int64_t>{8, 9, 10}));
  request = History(channel, 2, v1::DIRECTION_BACKWARD);
  request.set_start_sequence(3);
  EXPECT_EQ(sequences(ListAll(bob, request)), (std::vector<int64_t>{3, 2, 1}));

  // Around the 5th message's time: backward from it (inclusive), forward
  // from it, and forward from just after it.
  const google::protobuf::Timestamp at = sent[4].created_at();
  request = History(channel, 2, v1::DIRECTION_BACKWARD);
  *request.mutable_start_time() = at;
  v1::ListMessagesResponse page;
  ASSERT_TRUE(chat_->ListMessages(As(bob).get(), request, &page).ok());
  EXPECT_EQ(page.start_sequence(), 5);
  EXPECT_EQ(sequences(ListAll(bob, request)), (std::vector<int64_t>{5, 4, 3, 2, 1}));
  request = History(channel, 4, v1::DIRECTION_FORWARD);
  *request.mutable_start_time() = at;
  EXPECT_EQ(sequences(ListAll(bob, request)), (std::vector<int64_t>{5, 6, 7, 8, 9, 10}));
  *request.mutable_start_time() = at + TimeUtil::MicrosecondsToDuration(1);
  EXPECT_EQ(sequences(ListAll(bob, request)), (std::vector<int64_t>{6, 7, 8, 9, 10}));
  // Before the first message / after the last.
  request = History(channel, 4, v1::DIRECTION_BACKWARD);
  *request.mutable_start_time() = sent[0].created_at() - TimeUtil::SecondsToDuration(60);
  EXPECT_TRUE(ListAll(bob, request).empty());
  request = History(channel, 4, v1::DIRECTION_FORWARD);
  *request.mutable_start_time() = sent[9].created_at() + TimeUtil::SecondsToDuration(60);
  EXPECT_TRUE(ListAll(bob, request).empty());

  // A token binds its channel and direction.
  request = History(channel, 2, v1::DIRECTION_FORWARD);
  ASSERT_TRUE(chat_->ListMessages(As(bob).get(), request, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  v1::ListMessagesRequest reversed = History(channel, 2, v1::DIRECTION_BACKWARD);
  reversed.set_page_token(page.next_page_token());
  v1::ListMessagesResponse refused;
  ExpectStatus(chat_->ListMessages(As(bob).get(), reversed, &refused),
               grpc::StatusCode::INVALID_ARGUMENT, "page_token: ");
}

TEST_F(ChatHandlerTest, OnlyTheAuthorEditsAndTheEditHistoryKeepsThePreviousText) {
  const std::string alice = NewUser(), bob = NewUser();
  v1::ChatMessage m = MustSend(alice, ToUser(bob, "helo"));
  v1::EditMessageRequest edit;
  edit.set_message_id(m.id());
  edit.set_text("hello");
  v1::EditMessageResponse edited;
  ASSERT_TRUE(chat_->EditMessage(As(alice).get(), edit, &edited).ok());
  EXPECT_EQ(edited.message().text(), "hello");
  EXPECT_TRUE(edited.message().edited());
  EXPECT_TRUE(edited.message().has_edited_at());
  EXPECT_EQ(edited.message().sequence(), m.sequence());
  edit.set_text("hello!");
  ASSERT_TRUE(chat_->EditMessage(As(alice).get(), edit, &edited).ok());
  pqxx::result history = QueryPrimary(
      kDatabase,
      "SELECT previous_text FROM chat_message_edits WHERE chat_message_id = $1 ORDER BY edited_at",
      m.id());
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0][0].as<std::string>(), "helo");
  EXPECT_EQ(history[1][0].as<std::string>(), "hello");

  edit.set_text("bob was here");
  ExpectStatus(chat_->EditMessage(As(bob).get(), edit, &edited),
               grpc::StatusCode::PERMISSION_DENIED);
  edit.set_text(std::string("nul\0", 4));
  ExpectStatus(chat_->EditMessage(As(alice).get(), edit, &edited),
               grpc::StatusCode::INVALID_ARGUMENT, "text: ");
  edit.set_text(std::string(4097, 'x'));
  ExpectStatus(chat_->EditMessage(As(alice).get(), edit, &edited),
               grpc::StatusCode::INVALID_ARGUMENT, "text: at most 4096 bytes");
  edit.set_message_id("nope");
  ExpectStatus(chat_->EditMessage(As(alice).get(), edit, &edited),
               grpc::StatusCode::INVALID_ARGUMENT, "message_id: ");
  EXPECT_EQ(QueryPrimary(kDatabase, "SELECT text FROM chat_messages WHERE id = $1", m.id())[0][0]
                .as<std::string>(),
            "hello!");

  v1::DeleteMessageRequest del;
  del.set_message_id(m.id());
  v1::DeleteMessageResponse deleted;
  ASSERT_TRUE(chat_->DeleteMessage(As(alice).get(), del, &deleted).ok());
  edit.set_message_id(m.id());
  edit.set_text("resurrect");
  ExpectStatus(chat_->EditMessage(As(alice).get(), edit, &edited),
               grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ChatHandlerTest, DeletedMessagesStayInTheHistoryWithoutText) {
  const std::string owner = NewUser(), admin = NewUser(), member = NewUser(), other = NewUser();
  const std::string guild = CreateGuild(owner);
  AddMember(guild, admin, "admin");
  AddMember(guild, member);
  AddMember(guild, other);
  v1::SendMessageRequest with_metadata = ToGuild(guild, "oops");
  with_metadata.set_metadata_json(R"({"a": 1})");
  v1::ChatMessage own = MustSend(member, with_metadata);
  v1::ChatMessage by_admin = MustSend(member, ToGuild(guild, "rude"));
  v1::ChatMessage by_owner = MustSend(other, ToGuild(guild, "spam"));
  v1::ChatMessage kept = MustSend(other, ToGuild(guild, "fine"));

  auto Delete = [&](const std::string& user, const std::string& id,
                    v1::DeleteMessageResponse* response) {
    v1::DeleteMessageRequest del;
    del.set_message_id(id);
    return chat_->DeleteMessage(As(user).get(), del, response);
  };
  v1::DeleteMessageResponse deleted;
  ExpectStatus(Delete(other, own.id(), &deleted), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Delete(member, own.id(), &deleted).ok());
  EXPECT_TRUE(deleted.message().deleted());
  EXPECT_EQ(deleted.message().text(), "");
  EXPECT_EQ(deleted.message().metadata_json(), "");
  EXPECT_TRUE(deleted.message().has_deleted_at());
  ASSERT_TRUE(Delete(member, own.id(), &deleted).ok());  // again: a no-op
  ASSERT_TRUE(Delete(admin, by_admin.id(), &deleted).ok());
  ASSERT_TRUE(Delete(owner, by_owner.id(), &deleted).ok());

  pqxx::result rows = QueryPrimary(
      kDatabase,
      "SELECT sequence, deleted, text, metadata IS NULL FROM chat_messages WHERE channel_id = $1 "
      "ORDER BY sequence",
      own.channel_id());
  ASSERT_EQ(rows.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(rows[i][1].as<bool>());
    EXPECT_EQ(rows[i][2].as<std::string>(), "");
    EXPECT_TRUE(rows[i][3].as<bool>());
  }
  EXPECT_FALSE(rows[3][1].as<bool>());

  // The replica shows the four messages before it has replayed the deletes
  // that followed them: wait for the last delete (by the owner, of #3).
  std::vector<v1::ChatMessage> history;
  ASSERT_TRUE(Eventually([&] {
    history = ListAll(other, History(own.channel_id(), 10, v1::DIRECTION_FORWARD));
    return history.size() == 4 && history[2].deleted();
  })) << "the replica never showed the deletes";
  ASSERT_EQ(history.size(), 4u);
  EXPECT_TRUE(history[0].deleted());
  EXPECT_EQ(history[0].text(), "");
  EXPECT_EQ(history[0].sequence(), 1);
  EXPECT_EQ(history[3].text(), "fine");
  EXPECT_EQ(history[3].id(), kept.id());
}

TEST_F(ChatHandlerTest, UnreadCountsFollowSendsAndReadMarksThatNeverMoveBackward) {
  const std::string alice = NewUser(), bob = NewUser(), carol = NewUser();
  v1::ChatMessage m1 = MustSend(alice, ToUser(bob, "1"));
  MustSend(alice, ToUser(bob, "2"));
  MustSend(alice, ToUser(bob, "3"));
  const std::string channel = m1.channel_id();

  auto UnreadOf = [&](const std::string& user) -> int64_t {
    std::optional<v1::Channel> c = ChannelOf(user, channel);
    return c ? c->unread_count() : -1;
  };
  ASSERT_TRUE(Eventually([&] { return UnreadOf(bob) == 3; }));
  EXPECT_EQ(UnreadOf(alice), 0);  // one's own messages are never unread
  std::optional<v1::Channel> seen = ChannelOf(bob, channel);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->kind(), v1::CHANNEL_KIND_DIRECT);
  EXPECT_EQ(seen->peer_user_id(), alice);
  EXPECT_EQ(seen->last_sequence(), 3);
  EXPECT_EQ(seen->last_message().text(), "3");

  auto Mark = [&](const std::string& user, int64_t up_to, v1::MarkChannelReadResponse* response) {
    v1::MarkChannelReadRequest mark;
    mark.set_channel_id(channel);
    mark.set_up_to_sequence(up_to);
    return chat_->MarkChannelRead(As(user).get(), mark, response);
  };
  v1::MarkChannelReadResponse marked;
  ASSERT_TRUE(Mark(bob, 2, &marked).ok());
  EXPECT_EQ(marked.last_read_sequence(), 2);
  EXPECT_EQ(marked.unread_count(), 1);
  ASSERT_TRUE(Mark(bob, 1, &marked).ok());  // backward: no change
  EXPECT_EQ(marked.last_read_sequence(), 2);
  EXPECT_EQ(marked.unread_count(), 1);
  ExpectStatus(Mark(bob, 4, &marked), grpc::StatusCode::INVALID_ARGUMENT, "up_to_sequence: ");
  ExpectStatus(Mark(bob, -1, &marked), grpc::StatusCode::INVALID_ARGUMENT, "up_to_sequence: ");
  EXPECT_EQ(Count("SELECT last_read_sequence FROM channel_read_marks WHERE user_id = $1", bob), 2);
  ASSERT_TRUE(Eventually([&] { return UnreadOf(bob) == 1; }));

  // Bob replies: his mark moves to his own message; Alice has one unread.
  MustSend(bob, ToUser(alice, "4"));
  ASSERT_TRUE(Eventually([&] { return UnreadOf(bob) == 0 && UnreadOf(alice) == 1; }));
  ASSERT_TRUE(Mark(alice, 0, &marked).ok());  // 0 = up to the newest
  EXPECT_EQ(marked.last_read_sequence(), 4);
  EXPECT_EQ(marked.unread_count(), 0);

  // ListChannels: most recent activity first, paged one at a time.
  MustSend(carol, ToUser(alice, "newer"));
  ASSERT_TRUE(Eventually([&] { return Channels(alice).size() == 2; }));
  std::vector<v1::Channel> paged = Channels(alice, 1);
  ASSERT_EQ(paged.size(), 2u);
  EXPECT_EQ(paged[0].peer_user_id(), carol);
  EXPECT_EQ(paged[0].unread_count(), 1);
  EXPECT_EQ(paged[1].id(), channel);
  EXPECT_EQ(paged[1].unread_count(), 0);
}

TEST_F(ChatHandlerTest, GuildSystemMessagesShareTheSequenceAndAreListed) {
  const std::string owner = NewUser(), member = NewUser();
  const std::string guild = CreateGuild(owner);
  AddMember(guild, member);
  db::Database database(TestInfra::Get().ServiceDbConfig("social"), "chat-handler-test",
                        social::ChatStore::PreparedStatements());
  social::ChatStore store;
  // The guild part's call, in its own transaction: creates the channel.
  absl::StatusOr<v1::ChatMessage> joined =
      database.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::ChatMessage> {
        return store.PostGuildSystemMessage(tx, guild, "member joined the guild");
      });
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->sequence(), 1);
  EXPECT_EQ(joined->kind(), v1::MESSAGE_KIND_SYSTEM);
  EXPECT_EQ(joined->sender_id(), "");
  v1::ChatMessage reply = MustSend(member, ToGuild(guild, "hi all"));
  EXPECT_EQ(reply.channel_id(), joined->channel_id());
  EXPECT_EQ(reply.sequence(), 2);
  // A rolled-back caller leaves neither message nor sequence behind.
  absl::Status rolled_back = database.Write([&](db::WriteTx& tx) -> absl::Status {
    store.PostGuildSystemMessage(tx, guild, "never");
    return absl::AbortedError("the guild change failed");
  });
  EXPECT_TRUE(absl::IsAborted(rolled_back));
  absl::StatusOr<v1::ChatMessage> left =
      database.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::ChatMessage> {
        return store.PostGuildSystemMessage(tx, guild, "someone left");
      });
  ASSERT_TRUE(left.ok()) << left.status();
  EXPECT_EQ(left->sequence(), 3);

  WaitForHistory(member, reply.channel_id(), 3);
  std::vector<v1::ChatMessage> history =
      ListAll(member, History(reply.channel_id(), 10, v1::DIRECTION_FORWARD));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].kind(), v1::MESSAGE_KIND_SYSTEM);
  EXPECT_EQ(history[0].text(), "member joined the guild");
  EXPECT_EQ(history[1].text(), "hi all");
  EXPECT_EQ(history[2].text(), "someone left");
  std::vector<v1::ChatMessageSent> sent = SentEvents(reply.channel_id());
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].sender_id(), "");
  EXPECT_EQ(sent[0].recipient_ids_size(), 2);  // owner and member

  ASSERT_TRUE(Eventually([&] {
    std::optional<v1::Channel> c = ChannelOf(owner, reply.channel_id());
    return c && c->last_message().text() == "someone left" && c->unread_count() == 3;
  }));
  std::optional<v1::Channel> c = ChannelOf(owner, reply.channel_id());
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->kind(), v1::CHANNEL_KIND_GUILD);
  EXPECT_EQ(c->guild_id(), guild);
}

// ----- ListMessageEdits -----

class MessageEditsTest : public ChatHandlerTest {
 protected:
  struct EditListing {
    std::vector<v1::MessageEdit> edits;
    int pages = 0;
    grpc::Status status;
  };

  // Every page of the message's edits, as a client pages them.
  static EditListing ListEdits(const std::string& user, const std::string& channel_id,
                               const std::string& message_id, int page_size = 0) {
    EditListing listing;
    v1::ListMessageEditsRequest request;
    request.set_channel_id(channel_id);
    request.set_message_id(message_id);
    request.set_page_size(page_size);
    do {
      v1::ListMessageEditsResponse response;
      listing.status = chat_->ListMessageEdits(As(user).get(), request, &response);
      if (!listing.status.ok()) break;
      for (const v1::MessageEdit& edit : response.edits()) listing.edits.push_back(edit);
      request.set_page_token(response.next_page_token());
      ++listing.pages;
    } while (!request.page_token().empty() && listing.pages < 100);
    return listing;
  }

  static v1::ChatMessage MustEdit(const std::string& user, const std::string& message_id,
                                  const std::string& text) {
    v1::EditMessageRequest request;
    request.set_message_id(message_id);
    request.set_text(text);
    v1::EditMessageResponse response;
    grpc::Status status = chat_->EditMessage(As(user).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.message();
  }

  static std::vector<std::string> PreviousTexts(const std::vector<v1::MessageEdit>& edits) {
    std::vector<std::string> texts;
    for (const v1::MessageEdit& edit : edits) texts.push_back(edit.previous_text());
    return texts;
  }

  static std::vector<std::string> EditIds(const std::vector<v1::MessageEdit>& edits) {
    std::vector<std::string> ids;
    for (const v1::MessageEdit& edit : edits) ids.push_back(edit.id());
    return ids;
  }

  // The replica trails: waits until `user` is listed `count` edits.
  static void WaitForEdits(const std::string& user, const std::string& channel_id,
                           const std::string& message_id, size_t count) {
    ASSERT_TRUE(Eventually([&] {
      EditListing listing = ListEdits(user, channel_id, message_id, 100);
      return listing.status.ok() && listing.edits.size() == count;
    })) << "the replica never listed "
        << count << " edits";
    // The listing may have come from the primary (a miss on the replica is
    // confirmed there): the reads that follow expect the replica to have it.
    AwaitReplicaCaughtUp();
  }
};

TEST_F(MessageEditsTest, EditHistoryIsReadOldestFirstByWhoeverMayReadTheChannel) {
  const std::string alice = NewUser(), bob = NewUser(), carol = NewUser();
  const v1::ChatMessage m = MustSend(alice, ToUser(bob, "v1"));
  const v1::ChatMessage untouched = MustSend(bob, ToUser(alice, "never edited"));
  MustEdit(alice, m.id(), "v2");
  MustEdit(alice, m.id(), "v3");
  const v1::ChatMessage now = MustEdit(alice, m.id(), "v4");
  EXPECT_EQ(now.text(), "v4");
  WaitForEdits(bob, m.channel_id(), m.id(), 3);

  std::vector<std::string> ids_in_sql;
  for (const auto& row : QueryPrimary(kDatabase,
                                      "SELECT id::text FROM chat_message_edits "
                                      "WHERE chat_message_id = $1 ORDER BY edited_at, id",
                                      m.id())) {
    ids_in_sql.push_back(row[0].as<std::string>());
  }
  for (const std::string& reader : {alice, bob}) {
    for (const int page_size : {1, 2, 3, 0}) {
      const EditListing listing = ListEdits(reader, m.channel_id(), m.id(), page_size);
      ASSERT_TRUE(listing.status.ok()) << listing.status.error_message();
      EXPECT_EQ(PreviousTexts(listing.edits), (std::vector<std::string>{"v1", "v2", "v3"}));
      EXPECT_EQ(EditIds(listing.edits), ids_in_sql) << "page_size " << page_size;
      const int size = page_size == 0 ? 20 : page_size;
      EXPECT_EQ(listing.pages, (3 + size - 1) / size) << "page_size " << page_size;
      for (size_t i = 1; i < listing.edits.size(); ++i) {
        EXPECT_LE(db::TimestampMicros(listing.edits[i - 1].edited_at()),
                  db::TimestampMicros(listing.edits[i].edited_at()));
      }
      // The last edit is the one that made the current text.
      EXPECT_EQ(db::TimestampMicros(listing.edits.back().edited_at()),
                db::TimestampMicros(now.edited_at()));
    }
  }
  const EditListing none = ListEdits(alice, untouched.channel_id(), untouched.id());
  ASSERT_TRUE(none.status.ok()) << none.status.error_message();
  EXPECT_TRUE(none.edits.empty());
  EXPECT_EQ(none.pages, 1);
  // Not a participant: refused, even for the message's existence.
  ExpectStatus(ListEdits(carol, m.channel_id(), m.id()).status,
               grpc::StatusCode::PERMISSION_DENIED);
  ExpectStatus(ListEdits(carol, m.channel_id(), api::NewUuidV4()).status,
               grpc::StatusCode::PERMISSION_DENIED);

  // Guild channels: members read the edits, others do not.
  const std::string owner = NewUser(), member = NewUser(), asking = NewUser(), outsider = NewUser();
  const std::string guild = CreateGuild(owner);
  AddMember(guild, member);
  AddMember(guild, asking, "member", "join_request");
  const v1::ChatMessage g = MustSend(owner, ToGuild(guild, "welcom"));
  MustEdit(owner, g.id(), "welcome");
  WaitForEdits(member, g.channel_id(), g.id(), 1);
  EXPECT_EQ(PreviousTexts(ListEdits(member, g.channel_id(), g.id()).edits),
            (std::vector<std::string>{"welcom"}));
  ExpectStatus(ListEdits(asking, g.channel_id(), g.id()).status,
               grpc::StatusCode::PERMISSION_DENIED);
  ExpectStatus(ListEdits(outsider, g.channel_id(), g.id()).status,
               grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(MessageEditsTest, ListMessageEditsRejectsBadIdsUnknownMessagesAndForeignTokens) {
  const std::string alice = NewUser(), bob = NewUser(), dave = NewUser();
  const v1::ChatMessage m = MustSend(alice, ToUser(bob, "one"));
  MustEdit(alice, m.id(), "two");
  MustEdit(alice, m.id(), "three");
  const v1::ChatMessage elsewhere = MustSend(alice, ToUser(dave, "other channel"));

  ExpectStatus(ListEdits(alice, "nope", m.id()).status, grpc::StatusCode::INVALID_ARGUMENT,
               "channel_id: ");
  ExpectStatus(ListEdits(alice, m.channel_id(), "").status, grpc::StatusCode::INVALID_ARGUMENT,
               "message_id: ");
  ExpectStatus(ListEdits(alice, m.channel_id(), m.id(), 101).status,
               grpc::StatusCode::INVALID_ARGUMENT, "page_size: ");
  ExpectStatus(ListEdits("", m.channel_id(), m.id()).status, grpc::StatusCode::UNAUTHENTICATED);
  ExpectStatus(ListEdits(alice, api::NewUuidV4(), m.id()).status, grpc::StatusCode::NOT_FOUND);
  ExpectStatus(ListEdits(alice, m.channel_id(), api::NewUuidV4()).status,
               grpc::StatusCode::NOT_FOUND);
  // A message of another channel is not found in this one, though the
  // caller may read both.
  ExpectStatus(ListEdits(alice, m.channel_id(), elsewhere.id()).status, grpc::StatusCode::NOT_FOUND,
               "message_id: ");

  WaitForEdits(alice, m.channel_id(), m.id(), 2);
  v1::ListMessageEditsRequest first;
  first.set_channel_id(m.channel_id());
  first.set_message_id(m.id());
  first.set_page_size(1);
  v1::ListMessageEditsResponse page;
  ASSERT_TRUE(chat_->ListMessageEdits(As(alice).get(), first, &page).ok());
  ASSERT_FALSE(page.next_page_token().empty());
  v1::ListMessageEditsRequest next = first;
  next.set_page_token(page.next_page_token());
  v1::ListMessageEditsResponse second;
  ASSERT_TRUE(chat_->ListMessageEdits(As(absl::AsciiStrToUpper(alice)).get(), next, &second).ok())
      << "the same caller, however spelled";
  ASSERT_EQ(second.edits_size(), 1);
  EXPECT_EQ(second.edits(0).previous_text(), "two");
  // The token binds the caller, the channel and the message.
  ExpectStatus(chat_->ListMessageEdits(As(bob).get(), next, &second),
               grpc::StatusCode::INVALID_ARGUMENT, "page_token: ");
  v1::ListMessageEditsRequest other_message = next;
  other_message.set_channel_id(elsewhere.channel_id());
  other_message.set_message_id(elsewhere.id());
  ExpectStatus(chat_->ListMessageEdits(As(alice).get(), other_message, &second),
               grpc::StatusCode::INVALID_ARGUMENT, "page_token: ");
}

TEST_F(MessageEditsTest, ADeletedMessagesEarlierTextsAreGoneWithIt) {
  const std::string alice = NewUser(), bob = NewUser();
  const v1::ChatMessage m = MustSend(alice, ToUser(bob, "my secret"));
  MustEdit(alice, m.id(), "my s3cret");
  MustEdit(alice, m.id(), "oops");
  WaitForEdits(bob, m.channel_id(), m.id(), 2);

  v1::DeleteMessageRequest del;
  del.set_message_id(m.id());
  v1::DeleteMessageResponse deleted;
  ASSERT_TRUE(chat_->DeleteMessage(As(alice).get(), del, &deleted).ok());
  EXPECT_TRUE(deleted.message().deleted());
  EXPECT_EQ(deleted.message().text(), "");
  EXPECT_EQ(Count("SELECT count(*) FROM chat_message_edits WHERE chat_message_id = $1", m.id()), 0)
      << "DeleteMessage removes the edit history in its transaction";
  WaitForEdits(bob, m.channel_id(), m.id(), 0);
  for (const std::string& reader : {alice, bob}) {
    const EditListing listing = ListEdits(reader, m.channel_id(), m.id());
    ASSERT_TRUE(listing.status.ok()) << listing.status.error_message();
    EXPECT_TRUE(listing.edits.empty());
  }

  // Even an edit row that outlived the delete (written behind the service's
  // back) is never served for a deleted message.
  QueryPrimary(kDatabase,
               "INSERT INTO chat_message_edits (chat_message_id, previous_text) "
               "VALUES ($1, 'my secret')",
               m.id());
  MustSend(bob, ToChannel(m.channel_id(), "after"));
  // The replica replays in commit order: once it shows the later message,
  // it has the leftover row too.
  WaitForHistory(bob, m.channel_id(), 2);
  const EditListing after = ListEdits(bob, m.channel_id(), m.id());
  ASSERT_TRUE(after.status.ok()) << after.status.error_message();
  EXPECT_TRUE(after.edits.empty());
}

// Issue 16: a send locks no row before its last statement. Another send's
// (or a reader's) open transaction in the same channel does not stall it:
// PrepareSend reads without locks, and the sequence's UPDATE takes the
// channel row's NO KEY UPDATE lock, which the KEY SHARE lock of a foreign
// key check (a first read mark, a message being inserted) does not block.
// (Sends used to take FOR UPDATE on the channel row first, which waits for
// every such transaction and for every other sender, for the whole send.)
TEST_F(ChatHandlerTest, ASendDoesNotWaitForOpenTransactionsOfItsChannel) {
  const std::string owner = NewUser(), member = NewUser(), reader = NewUser();
  const std::string guild = CreateGuild(owner);
  AddMember(guild, member);
  AddMember(guild, reader);
  MustSend(owner, ToGuild(guild, "first"));
  const std::string channel = ChannelOfGuild(guild);
  db::Database database(TestInfra::Get().ServiceDbConfig("social"), "chat-handler-test",
                        social::ChatStore::PreparedStatements());
  social::ChatStore store;

  // Another member's send, open after its reads.
  grpc::Status status;
  v1::SendMessageResponse sent;
  EXPECT_FALSE(WaitedFor(
      database,
      [&](db::WriteTx& tx) {
        ASSERT_TRUE(store.PrepareSend(tx, {social::SendTarget::Kind::kChannel, channel}, member,
                                      "held-send"));
      },
      [&] {
        v1::SendMessageRequest request = ToChannel(channel, "not stalled");
        request.set_client_message_id("other-send");
        status = Send(owner, request, &sent);
      }));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(sent.message().sequence(), 2);

  // A reader's first read mark being written (its foreign key check holds
  // KEY SHARE on the channel row until it commits).
  EXPECT_FALSE(WaitedFor(
      database,
      [&](db::WriteTx& tx) {
        tx.Query(
            "INSERT INTO channel_read_marks (channel_id, user_id, last_read_sequence) "
            "VALUES ($1, $2, 1)",
            channel, reader);
      },
      [&] { status = Send(member, ToChannel(channel, "not stalled either"), &sent); }));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(sent.message().sequence(), 3);
  EXPECT_EQ(MessagesInChannel(channel), 3);
}

// What sends of one channel still share: a send that has its number holds
// the channel until it ends (gap-free sequences need it), and a retry waits
// for an open send of its own client_message_id, then finds no message when
// that send wrote none.
TEST_F(ChatHandlerTest, OnlyTheNumberAndTheSameClientMessageIdMakeASendWait) {
  const std::string owner = NewUser(), member = NewUser();
  const std::string guild = CreateGuild(owner);
  AddMember(guild, member);
  MustSend(owner, ToGuild(guild, "first"));
  const std::string channel = ChannelOfGuild(guild);
  db::Database database(TestInfra::Get().ServiceDbConfig("social"), "chat-handler-test",
                        social::ChatStore::PreparedStatements());
  social::ChatStore store;

  grpc::Status status;
  v1::SendMessageResponse sent;
  v1::SendMessageRequest retry = ToChannel(channel, "retried");
  retry.set_client_message_id("same-id");
  EXPECT_TRUE(WaitedFor(
      database,
      [&](db::WriteTx& tx) {
        ASSERT_TRUE(store.PrepareSend(tx, {social::SendTarget::Kind::kChannel, channel}, member,
                                      "same-id"));
      },
      [&] { status = Send(member, retry, &sent); }));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(sent.replayed());
  EXPECT_EQ(sent.message().sequence(), 2);

  EXPECT_TRUE(WaitedFor(
      database,
      [&](db::WriteTx& tx) {
        std::optional<social::SendContext> context =
            store.PrepareSend(tx, {social::SendTarget::Kind::kChannel, channel}, owner, "");
        ASSERT_TRUE(context);
        EXPECT_EQ(store
                      .Append(tx, context->target.channel, {.sender_id = owner, .text = "third"},
                              context->recipients)
                      .sequence(),
                  3);
      },
      [&] { status = Send(member, ToChannel(channel, "fourth"), &sent); }));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(sent.message().sequence(), 4);
}

// Issue 16: a send is two round trips and its COMMIT, whichever way it
// names its channel: PrepareSend's read (BEGIN, a first channel's INSERT and
// the client id's lock travel with it), Append's INSERT; the read mark and
// the outbox event go with the COMMIT. (It was 9 to 14: BEGIN, the
// channel (a first one's INSERT, and its SELECT when it existed), its lock,
// the client id's lookup, the access check, the sequence, the message, the
// read mark, a guild's recipients, the event, COMMIT; a guild_id target
// checked the guild first.)
TEST_F(ChatHandlerTest, ASendIsTwoRoundTripsAndItsCommit) {
  const std::string owner = NewUser(), member = NewUser(), stranger = NewUser();
  const std::string guild = CreateGuild(owner);
  AddMember(guild, member);
  db::Database database(TestInfra::Get().ServiceDbConfig("social"), "chat-handler-test",
                        social::ChatStore::PreparedStatements());
  social::ChatStore store;
  using Kind = social::SendTarget::Kind;
  // A first guild message (the channel is created), a message to its
  // channel by id with a client id, a first direct message.
  for (const auto& [target, sender] : std::vector<std::pair<social::SendTarget, std::string>>{
           {{Kind::kGuild, guild}, owner},
           {{Kind::kChannel, ""}, member},
           {{Kind::kDirect, stranger}, owner}}) {
    social::SendTarget to = target;
    if (to.kind == Kind::kChannel) to.id = ChannelOfGuild(guild);
    const std::string client_id = absl::StrCat("rt-", static_cast<int>(to.kind));
    const db::Database::WriteStats before = database.write_stats();
    absl::StatusOr<v1::ChatMessage> appended =
        database.Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::ChatMessage> {
          std::optional<social::SendContext> context = store.PrepareSend(tx, to, sender, client_id);
          EXPECT_EQ(tx.round_trips(), 1);
          if (!context) return absl::NotFoundError("no channel");
          v1::ChatMessage message =
              store.Append(tx, context->target.channel,
                           {.sender_id = sender, .text = "counted", .client_message_id = client_id},
                           context->recipients);
          EXPECT_EQ(tx.round_trips(), 2);
          return message;
        });
    const db::Database::WriteStats after = database.write_stats();
    ASSERT_TRUE(appended.ok()) << appended.status();
    EXPECT_EQ(after.outside_calls.transactions - before.outside_calls.transactions, 1);
    EXPECT_EQ(after.outside_calls.round_trips - before.outside_calls.round_trips, 3);
    // What the COMMIT carried is there: the sender's read mark, the event.
    EXPECT_EQ(QueryPrimary(kDatabase,
                           "SELECT last_read_sequence FROM channel_read_marks "
                           "WHERE channel_id = $1 AND user_id = $2",
                           appended->channel_id(), sender)[0][0]
                  .as<int64_t>(),
              appended->sequence());
    std::vector<v1::ChatMessageSent> events = SentEvents(appended->channel_id());
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().message_id(), appended->id());
  }
  // A guild target of no guild is still NOT_FOUND, in one round trip.
  const std::string missing = NewUser();
  EXPECT_EQ(Send(owner, ToGuild(missing, "nobody")).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace qs::testing
