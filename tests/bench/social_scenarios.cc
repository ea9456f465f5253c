#include "tests/bench/social_scenarios.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/uuid.h"
#include "common/db/db_error.h"
#include "pqxx/pqxx"
#include "proto/social/v1/chat.pb.h"
#include "proto/social/v1/friends.pb.h"
#include "tests/bench/scenario_support.h"

namespace qs::bench {
namespace {

namespace v1 = ::social::v1;

std::vector<SocialData::Pair> Pairs(pqxx::work& tx, const std::string& sql) {
  std::vector<SocialData::Pair> pairs;
  for (const auto& row : tx.exec(sql)) {
    pairs.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
  }
  return pairs;
}

CallSpec ListFriends(std::shared_ptr<SocialData> data) {
  return {"ListFriends", "/social.v1.FriendService/ListFriends", 1, [data](Random& random) {
            v1::ListFriendsRequest request;
            request.set_state(v1::FRIENDSHIP_STATE_FRIENDS);
            request.set_page_size(20);
            return MakeRequest(request, AsUser(AnyOf(data->users, random)));
          }};
}

CallSpec ListMutualFriends(std::shared_ptr<SocialData> data) {
  return {"ListMutualFriends", "/social.v1.FriendService/ListMutualFriends", 1,
          [data](Random& random) {
            const SocialData::Pair& pair = AnyOf(data->friendships, random);
            v1::ListMutualFriendsRequest request;
            request.set_user_id(pair.other_id);
            request.set_page_size(20);
            return MakeRequest(request, AsUser(pair.user_id));
          }};
}

CallSpec SuggestFriends(std::shared_ptr<SocialData> data) {
  return {"SuggestFriends", "/social.v1.FriendService/SuggestFriends", 1, [data](Random& random) {
            v1::SuggestFriendsRequest request;
            request.set_page_size(20);
            return MakeRequest(request, AsUser(AnyOf(data->users, random)));
          }};
}

CallSpec ListMessages(std::shared_ptr<SocialData> data) {
  return {"ListMessages", "/social.v1.ChatService/ListMessages", 1, [data](Random& random) {
            const SocialData::Pair& in = AnyOf(data->channel_participants, random);
            v1::ListMessagesRequest request;
            request.set_channel_id(in.other_id);
            request.set_direction(v1::DIRECTION_BACKWARD);  // the latest first
            request.set_page_size(50);
            return MakeRequest(request, AsUser(in.user_id));
          }};
}

CallSpec ListChannels(std::shared_ptr<SocialData> data) {
  return {"ListChannels", "/social.v1.ChatService/ListChannels", 1, [data](Random& random) {
            v1::ListChannelsRequest request;
            request.set_page_size(20);
            return MakeRequest(request, AsUser(AnyOf(data->users, random)));
          }};
}

CallSpec SendMessage(std::shared_ptr<SocialData> data) {
  return {"SendMessage", "/social.v1.ChatService/SendMessage", 1, [data](Random& random) {
            const SocialData::Pair& in = AnyOf(data->channel_participants, random);
            v1::SendMessageRequest request;
            request.set_channel_id(in.other_id);
            request.set_text("gg, one more puzzle tonight?");
            // As a client sends it: its retry would be answered, not re-sent.
            request.set_client_message_id(api::NewUuidV4());
            return MakeRequest(request, AsUser(in.user_id));
          }};
}

}  // namespace

absl::StatusOr<std::shared_ptr<SocialData>> LoadSocialData(const std::string& conninfo,
                                                           const SocialDataOptions& options) {
  auto data = std::make_shared<SocialData>();
  try {
    pqxx::connection connection(conninfo);
    pqxx::work tx(connection);
    const std::string limit = std::to_string(options.sample);
    data->users = Column(tx,
                         "SELECT user_id::text FROM (SELECT DISTINCT user_id FROM friendships) u "
                         "ORDER BY random() LIMIT " +
                             limit);
    data->friendships = Pairs(
        tx,
        "SELECT user_id::text, friend_id::text FROM friendships ORDER BY random() LIMIT " + limit);
    data->channel_participants =
        Pairs(tx,
              "SELECT r.user_id::text, r.channel_id::text FROM channel_read_marks r "
              "JOIN chat_channels c ON c.id = r.channel_id WHERE c.last_sequence > 0 "
              "ORDER BY random() LIMIT " +
                  limit);
    if (data->users.empty() || data->friendships.empty() || data->channel_participants.empty()) {
      return absl::FailedPreconditionError(
          "the database has no friendships or chat channels with messages: seed it first "
          "(bazel run //social:seed)");
    }
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, "loading benchmark data");
  }
  return data;
}

std::vector<std::string> SocialScenarioNames() {
  return {"list_friends",  "list_mutual_friends", "suggest_friends",
          "list_messages", "list_channels",       "send_message"};
}

absl::StatusOr<Scenario> SocialScenario(const std::string& name,
                                        const std::shared_ptr<SocialData>& data) {
  if (name == "list_friends") return Scenario{name, {ListFriends(data)}};
  if (name == "list_mutual_friends") return Scenario{name, {ListMutualFriends(data)}};
  if (name == "suggest_friends") return Scenario{name, {SuggestFriends(data)}};
  if (name == "list_messages") return Scenario{name, {ListMessages(data)}};
  if (name == "list_channels") return Scenario{name, {ListChannels(data)}};
  if (name == "send_message") return Scenario{name, {SendMessage(data)}};
  return absl::InvalidArgumentError(absl::StrCat("scenario: unknown \"", name, "\" (one of ",
                                                 absl::StrJoin(SocialScenarioNames(), ", "), ")"));
}

}  // namespace qs::bench
