// The social service's listings on the async read path (ServeAsyncMethods of
// FriendHandler, GuildHandler and ChatHandler), against the real binary:
// many calls at once each answer their own caller's rows, bad input stays
// precise, and a listing the replica cannot run yet is answered
// DEADLINE_EXCEEDED by the server at the caller's deadline.
//
// Exclusive (BUILD): the deadline test holds an ACCESS EXCLUSIVE lock on
// friendships, which the replica replays, so every other test reading that
// table on the shared replica would stall with it.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "gtest/gtest.h"
#include "tests/social/social_server_fixture.h"
#include "tests/support/async_calls.h"
#include "tests/support/call_expectations.h"
#include "tests/support/replayed_table_lock.h"
#include "tests/support/start_barrier.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

namespace v1 = ::social::v1;

constexpr char kListFriends[] = "/social.v1.FriendService/ListFriends";
constexpr char kSuggestFriends[] = "/social.v1.FriendService/SuggestFriends";
constexpr char kListFriendHistory[] = "/social.v1.FriendService/ListFriendHistory";
constexpr char kSearchGuilds[] = "/social.v1.GuildService/SearchGuilds";
constexpr char kListUserGuilds[] = "/social.v1.GuildService/ListUserGuilds";
constexpr char kListChannels[] = "/social.v1.ChatService/ListChannels";

class SocialAsyncListingsTest : public SocialServerFixture {
 protected:
  static std::string NewUser() { return api::NewUuidV4(); }

  static void ExpectOk(const grpc::Status& status) {
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  template <typename Response>
  static Response Parse(const CallResult& call) {
    Response response;
    EXPECT_TRUE(call.status.ok()) << call.status.error_message();
    EXPECT_TRUE(response.ParseFromString(call.response));
    return response;
  }
};

TEST_F(SocialAsyncListingsTest, ManyConcurrentListingsEachAnswerTheirOwnUser) {
  // User i (0-based) has sent i + 1 friend requests and messaged i + 1 other
  // users; owner i created i + 1 guilds named with a prefix of its own.
  constexpr int kUsers = 5;
  std::vector<std::string> users, owners, prefixes;
  std::vector<std::set<std::string>> recipients(kUsers), guild_ids(kUsers);
  for (int i = 0; i < kUsers; ++i) {
    users.push_back(NewUser());
    owners.push_back(NewUser());
    prefixes.push_back(absl::StrCat("async-", api::NewUuidV4().substr(0, 8), "-"));
    for (int k = 0; k <= i; ++k) {
      const std::string other = NewUser();
      recipients[i].insert(other);
      v1::SendFriendRequestRequest befriend;
      befriend.set_user_id(other);
      v1::Friendship friendship;
      ExpectOk(friends_->SendFriendRequest(As(users[i]).get(), befriend, &friendship));
      v1::SendMessageRequest message;
      message.set_recipient_user_id(other);
      message.set_text("hi");
      v1::SendMessageResponse sent;
      ExpectOk(chat_->SendMessage(As(users[i]).get(), message, &sent));
      v1::CreateGuildRequest create;
      create.set_name(absl::StrCat(prefixes[i], k));
      create.set_open(true);
      v1::Guild guild;
      ExpectOk(guilds_->CreateGuild(As(owners[i]).get(), create, &guild));
      guild_ids[i].insert(guild.id());
    }
  }
  v1::ListFriendsRequest sent_requests;
  sent_requests.set_state(v1::FRIENDSHIP_STATE_REQUEST_SENT);
  sent_requests.set_page_size(100);
  v1::ListChannelsRequest channels;
  channels.set_page_size(100);
  v1::ListUserGuildsRequest memberships;
  memberships.set_page_size(100);
  // The replica has replayed the last user's rows (so everyone's).
  ASSERT_TRUE(Eventually([&] {
    v1::ListFriendsResponse friends;
    v1::ListChannelsResponse listed;
    v1::ListUserGuildsResponse guilds;
    return friends_->ListFriends(As(users.back()).get(), sent_requests, &friends).ok() &&
           friends.friendships_size() == kUsers &&
           chat_->ListChannels(As(users.back()).get(), channels, &listed).ok() &&
           listed.channels_size() == kUsers &&
           guilds_->ListUserGuilds(As(owners.back()).get(), memberships, &guilds).ok() &&
           guilds.guilds_size() == kUsers;
  }));

  // Every user's four listings at once: 5 users x 4 methods x 25 calls.
  constexpr int kCallsEach = 25;
  struct Calls {
    std::vector<CallResult> friends, channels, memberships, search;
  };
  std::vector<Calls> calls(kUsers);
  RunTogether(4 * kUsers, [&](int t) {
    const int i = t / 4;
    switch (t % 4) {
      case 0:
        calls[i].friends = CallsAs(channel(), users[i], kListFriends, sent_requests, kCallsEach);
        break;
      case 1:
        calls[i].channels = CallsAs(channel(), users[i], kListChannels, channels, kCallsEach);
        break;
      case 2:
        calls[i].memberships =
            CallsAs(channel(), owners[i], kListUserGuilds, memberships, kCallsEach);
        break;
      default: {
        v1::SearchGuildsRequest search;
        search.set_name_prefix(prefixes[i]);
        search.set_page_size(100);
        calls[i].search = CallsAs(channel(), users[i], kSearchGuilds, search, kCallsEach);
      }
    }
  });
  for (int i = 0; i < kUsers; ++i) {
    for (const CallResult& call : calls[i].friends) {
      const auto response = Parse<v1::ListFriendsResponse>(call);
      std::set<std::string> listed;
      for (const v1::Friendship& f : response.friendships()) {
        EXPECT_EQ(f.state(), v1::FRIENDSHIP_STATE_REQUEST_SENT);
        listed.insert(f.user_id());
      }
      EXPECT_EQ(listed, recipients[i]) << "user " << i;
    }
    for (const CallResult& call : calls[i].channels) {
      const auto response = Parse<v1::ListChannelsResponse>(call);
      std::set<std::string> peers;
      for (const v1::Channel& c : response.channels()) {
        EXPECT_EQ(c.kind(), v1::CHANNEL_KIND_DIRECT);
        EXPECT_EQ(c.last_message().text(), "hi");
        peers.insert(c.peer_user_id());
      }
      EXPECT_EQ(peers, recipients[i]) << "user " << i;
    }
    for (const CallResult& call : calls[i].memberships) {
      const auto response = Parse<v1::ListUserGuildsResponse>(call);
      std::set<std::string> listed;
      for (const v1::UserGuild& g : response.guilds()) {
        EXPECT_EQ(g.member().user_id(), owners[i]);
        EXPECT_EQ(g.member().role(), v1::GUILD_ROLE_OWNER);
        listed.insert(g.guild().id());
      }
      EXPECT_EQ(listed, guild_ids[i]) << "owner " << i;
    }
    for (const CallResult& call : calls[i].search) {
      const v1::SearchGuildsResponse found = Parse<v1::SearchGuildsResponse>(call);
      ASSERT_EQ(found.guilds_size(), i + 1);
      // By name: prefix0, prefix1, ...
      for (int k = 0; k <= i; ++k) {
        EXPECT_EQ(found.guilds(k).name(), absl::StrCat(prefixes[i], k));
      }
    }
  }
}

TEST_F(SocialAsyncListingsTest, BadInputIsStillPreciseOnTheAsyncPath) {
  const std::string user = NewUser();
  std::vector<CallCase> cases;
  auto add_common = [&](const char* method, google::protobuf::Message& valid) {
    const google::protobuf::Descriptor* type = valid.GetDescriptor();
    const google::protobuf::Reflection* fields = valid.GetReflection();
    cases.push_back(
        {method, valid.SerializeAsString(), "", grpc::StatusCode::UNAUTHENTICATED, "missing"});
    cases.push_back({method, valid.SerializeAsString(), "not-a-uuid",
                     grpc::StatusCode::UNAUTHENTICATED, "x-user-id"});
    std::unique_ptr<google::protobuf::Message> bad(valid.New());
    bad->CopyFrom(valid);
    fields->SetString(bad.get(), type->FindFieldByName("page_token"), "garbage");
    cases.push_back(
        {method, bad->SerializeAsString(), user, grpc::StatusCode::INVALID_ARGUMENT, "page_token"});
    bad->CopyFrom(valid);
    fields->SetInt32(bad.get(), type->FindFieldByName("page_size"), 101);
    cases.push_back(
        {method, bad->SerializeAsString(), user, grpc::StatusCode::INVALID_ARGUMENT, "page_size"});
  };
  v1::ListFriendsRequest list_friends;
  list_friends.set_state(v1::FRIENDSHIP_STATE_FRIENDS);
  add_common(kListFriends, list_friends);
  v1::SuggestFriendsRequest suggest;
  add_common(kSuggestFriends, suggest);
  v1::ListFriendHistoryRequest history;
  add_common(kListFriendHistory, history);
  v1::SearchGuildsRequest search;
  add_common(kSearchGuilds, search);
  v1::ListUserGuildsRequest user_guilds;
  add_common(kListUserGuilds, user_guilds);
  v1::ListChannelsRequest list_channels;
  add_common(kListChannels, list_channels);

  v1::ListFriendsRequest no_state;
  cases.push_back({kListFriends, no_state.SerializeAsString(), user,
                   grpc::StatusCode::INVALID_ARGUMENT, "state"});
  v1::ListFriendHistoryRequest bad_other;
  bad_other.set_other_user_id("nope");
  cases.push_back({kListFriendHistory, bad_other.SerializeAsString(), user,
                   grpc::StatusCode::INVALID_ARGUMENT, "other_user_id"});
  v1::ListFriendHistoryRequest self;
  self.set_other_user_id(user);
  cases.push_back({kListFriendHistory, self.SerializeAsString(), user,
                   grpc::StatusCode::INVALID_ARGUMENT, "other_user_id"});
  v1::SearchGuildsRequest long_prefix;
  long_prefix.set_name_prefix(std::string(65, 'x'));
  cases.push_back({kSearchGuilds, long_prefix.SerializeAsString(), user,
                   grpc::StatusCode::INVALID_ARGUMENT, "name_prefix"});
  v1::ListUserGuildsRequest bad_user;
  bad_user.set_user_id("nope");
  cases.push_back({kListUserGuilds, bad_user.SerializeAsString(), user,
                   grpc::StatusCode::INVALID_ARGUMENT, "user_id"});

  ExpectEachAnswer(channel(), cases);

  // A page token of one user's listing is refused for another's.
  v1::SearchGuildsRequest first;
  first.set_page_size(1);
  const std::string prefix = absl::StrCat("tok-", api::NewUuidV4().substr(0, 8));
  first.set_name_prefix(prefix);
  for (int k = 0; k < 2; ++k) {
    v1::CreateGuildRequest create;
    create.set_name(absl::StrCat(prefix, k));
    v1::Guild guild;
    ExpectOk(guilds_->CreateGuild(As(user).get(), create, &guild));
  }
  v1::SearchGuildsResponse page;
  ASSERT_TRUE(Eventually([&] {
    return guilds_->SearchGuilds(As(user).get(), first, &page).ok() &&
           !page.next_page_token().empty();
  }));
  v1::ListUserGuildsRequest foreign;
  foreign.set_page_token(page.next_page_token());
  v1::ListUserGuildsResponse ignored;
  EXPECT_TRUE(HasStatus(guilds_->ListUserGuilds(As(user).get(), foreign, &ignored),
                        grpc::StatusCode::INVALID_ARGUMENT, "page_token"));
}

TEST_F(SocialAsyncListingsTest, AListingTheReplicaCannotRunYetEndsAtTheCallersDeadline) {
  const std::string user = NewUser();
  const std::string other = NewUser();
  v1::SendFriendRequestRequest befriend;
  befriend.set_user_id(other);
  v1::Friendship friendship;
  ExpectOk(friends_->SendFriendRequest(As(user).get(), befriend, &friendship));
  v1::AcceptFriendRequestRequest accept;
  accept.set_user_id(user);
  ExpectOk(friends_->AcceptFriendRequest(As(other).get(), accept, &friendship));
  v1::ListFriendsRequest list;
  list.set_state(v1::FRIENDSHIP_STATE_FRIENDS);
  auto friends_listed = [&] {
    v1::ListFriendsResponse response;
    return friends_->ListFriends(As(user).get(), list, &response).ok() &&
           response.friendships_size() == 1 && response.friendships(0).user_id() == other;
  };
  ASSERT_TRUE(Eventually(friends_listed));

  const TestInfra& infra = TestInfra::Get();
  {
    // Reads of friendships on the replica wait until the lock ends.
    ReplayedTableLock lock(infra.AdminConnectionString(infra.primary_port, kDatabase),
                           "friendships");
    ASSERT_TRUE(lock.replayed()) << "the replica never replayed the lock";

    const size_t logged_before = server().LoggedCalls(kListFriends, "DEADLINE_EXCEEDED").size();
    std::vector<CallResult> stuck =
        CallsAs(channel(), user, kListFriends, list, 3, absl::Milliseconds(400));
    EXPECT_TRUE(AllEndedAtTheirDeadline(stuck));
    // The server answered them itself at their deadline, while the
    // statement still waits for the lock: not only the client giving up.
    EXPECT_TRUE(Eventually(
        [&] {
          return server().LoggedCalls(kListFriends, "DEADLINE_EXCEEDED").size() - logged_before >=
                 3;
        },
        absl::Seconds(3)))
        << server().Log();
  }
  EXPECT_TRUE(Eventually(friends_listed));
}

}  // namespace
}  // namespace qs::testing
