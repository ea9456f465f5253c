// Precomputed friend suggestions (social/suggestion_store.h,
// suggestion_refresher.h) against the real server: a fresh list is what
// SuggestFriends serves, current edges are still excluded live, a user's own
// friendship change makes the answer live at once, the refresher recomputes
// stale and aged lists, and under concurrent changes no list ends fresh but
// behind on the user's own changes.
#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "gtest/gtest.h"
#include "tests/social/social_server_fixture.h"

namespace qs::testing {
namespace {

namespace v1 = ::social::v1;
using Ranking = std::vector<std::pair<std::string, int>>;

std::string NewUser() { return api::NewUuidV4(); }

class SuggestionTest : public ServiceFixture {
 protected:
  // A server of its own on a database of its own: `env` sets the refresher's
  // pace. (Every social server refreshes its database's stale lists each
  // second by default: on the shared social_db another test target's server
  // would refresh a list this test expects to find stale.)
  void Start(std::map<std::string, std::string> env) {
    env["DB_NAME"] = scratch_.name();
    server_ = StartService("social", env);
    stub_ = v1::FriendService::NewStub(ChannelTo(*server_));
  }

  void MakeFriends(const std::string& a, const std::string& b) {
    v1::SendFriendRequestRequest send;
    send.set_user_id(b);
    v1::Friendship friendship;
    grpc::Status sent = stub_->SendFriendRequest(As(a).get(), send, &friendship);
    ASSERT_TRUE(sent.ok()) << sent.error_message();
    v1::AcceptFriendRequestRequest accept;
    accept.set_user_id(a);
    grpc::Status accepted = stub_->AcceptFriendRequest(As(b).get(), accept, &friendship);
    ASSERT_TRUE(accepted.ok()) << accepted.error_message();
  }

  Ranking Suggest(const std::string& user) {
    v1::SuggestFriendsRequest request;
    request.set_page_size(100);
    v1::SuggestFriendsResponse response;
    grpc::Status status = stub_->SuggestFriends(As(user).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    Ranking ranking;
    for (const auto& s : response.suggestions()) {
      ranking.emplace_back(s.user_id(), s.mutual_friend_count());
    }
    return ranking;
  }

  // "fresh", "stale" or "none": the state of `user`'s list on the primary.
  std::string ListState(const std::string& user) const {
    pqxx::result rows = QueryPrimary(scratch_.name(),
                                     "SELECT CASE WHEN stale_since IS NOT NULL THEN 'stale' "
                                     "WHEN computed_at IS NULL THEN 'unset' ELSE 'fresh' END "
                                     "FROM friend_suggestion_lists WHERE user_id = $1",
                                     user);
    return rows.empty() ? "none" : rows[0][0].as<std::string>();
  }

  // The stored list, as (candidate, mutual) pairs in order.
  Ranking StoredList(const std::string& user) const {
    Ranking list;
    for (const auto& row : QueryPrimary(scratch_.name(),
                                        "SELECT c::text, n FROM friend_suggestion_lists, "
                                        "unnest(candidate_ids, mutual_friend_counts) AS x(c, n) "
                                        "WHERE user_id = $1",
                                        user)) {
      list.emplace_back(row[0].as<std::string>(), row[1].as<int>());
    }
    return list;
  }

  // The test's own oracle: friends of friends who are not friends, ranked
  // as the service documents it, from the raw rows.
  Ranking RankingFromRows(const std::string& user) const {
    Ranking ranking;
    for (const auto& row : QueryPrimary(
             scratch_.name(),
             "SELECT f2.friend_id::text, count(*) FROM friendships f1 "
             "JOIN friendships f2 ON f2.user_id = f1.friend_id "
             "WHERE f1.user_id = $1 AND f2.friend_id <> $1 "
             "AND f2.friend_id NOT IN (SELECT friend_id FROM friendships WHERE user_id = $1) "
             "GROUP BY 1 ORDER BY 2 DESC, 1 DESC",
             user)) {
      ranking.emplace_back(row[0].as<std::string>(), row[1].as<int>());
    }
    return ranking;
  }

  ScratchDatabase scratch_{"social"};  // Outlives the server below.
  std::unique_ptr<ServiceProcess> server_;
  std::unique_ptr<v1::FriendService::Stub> stub_;
};

// The refresher is idle here (one pass at start, then a day), so the list
// is whatever the test writes into it.
TEST_F(SuggestionTest, AFreshListIsServedAndCurrentEdgesAreStillExcluded) {
  Start({{"FRIEND_SUGGESTION_REFRESH_MS", "86400000"}});
  const std::string me = NewUser(), friend_one = NewUser(), x = NewUser();
  MakeFriends(me, friend_one);
  MakeFriends(friend_one, x);
  ASSERT_EQ(ListState(me), "stale") << "a friendship change marks the user's list stale";
  ASSERT_TRUE(Eventually([&] {
    return Suggest(me) == Ranking{{x, 1}};
  })) << "a stale list is computed live";

  // A list that the ranking could not produce (y is nobody's friend): if it
  // is served, the answer came from the list.
  const std::string y = NewUser(), z = NewUser();
  QueryPrimary(scratch_.name(),
               "UPDATE friend_suggestion_lists SET candidate_ids = ARRAY[$2, $3]::uuid[], "
               "mutual_friend_counts = '{7,5}', computed_at = now(), stale_since = NULL "
               "WHERE user_id = $1",
               me, y, z);
  ASSERT_TRUE(Eventually([&] {
    return Suggest(me) == Ranking{{y, 7}, {z, 5}};
  })) << "a fresh list is served as stored";

  // Blocking y (an edge the list does not know about) hides y at once.
  v1::BlockUserRequest block;
  block.set_user_id(y);
  v1::Friendship blocked;
  ASSERT_TRUE(stub_->BlockUser(As(me).get(), block, &blocked).ok());
  EXPECT_EQ(ListState(me), "fresh") << "a block does not need a recomputation";
  EXPECT_TRUE(Eventually([&] { return Suggest(me) == Ranking{{z, 5}}; }));

  // My own new friendship makes my answer live again, with it.
  const std::string friend_two = NewUser(), w = NewUser();
  MakeFriends(friend_two, w);
  MakeFriends(me, friend_two);
  EXPECT_EQ(ListState(me), "stale");
  EXPECT_TRUE(Eventually([&] {
    return Suggest(me) == Ranking{{x, 1}, {w, 1}} || Suggest(me) == Ranking{{w, 1}, {x, 1}};
  }));
  EXPECT_EQ(Suggest(me), RankingFromRows(me));
}

TEST_F(SuggestionTest, TheRefresherComputesStaleListsAndAgedOnesPickUpFriendsChanges) {
  // Lists older than 0.0005 h (1.8 s) are recomputed, checked every 100 ms.
  Start({{"FRIEND_SUGGESTION_REFRESH_MS", "100"}, {"FRIEND_SUGGESTION_MAX_AGE_HOURS", "0.0005"}});
  const std::string me = NewUser();
  std::vector<std::string> mine = {NewUser(), NewUser(), NewUser()};
  const std::string x = NewUser(), y = NewUser();
  // The friends' friendships first: my own (which mark my list stale) come
  // last, so the list recomputed after them has the whole picture.
  for (const std::string& f : mine) MakeFriends(f, x);
  MakeFriends(mine[0], y);
  for (const std::string& f : mine) MakeFriends(me, f);
  ASSERT_TRUE(Eventually([&] { return ListState(me) == "fresh"; })) << ListState(me);
  EXPECT_EQ(StoredList(me), (Ranking{{x, 3}, {y, 1}}));
  EXPECT_TRUE(Eventually([&] { return Suggest(me) == Ranking{{x, 3}, {y, 1}}; }));

  // A friend's new friendship is a third party's change: my list is not
  // marked, and reaches the new candidate when it is recomputed for age.
  const std::string w = NewUser();
  MakeFriends(mine[1], w);
  EXPECT_EQ(ListState(me), "fresh");
  EXPECT_TRUE(Eventually([&] { return StoredList(me) == RankingFromRows(me); }))
      << "never recomputed for age";
  EXPECT_TRUE(Eventually([&] { return Suggest(me) == RankingFromRows(me); }));
}

TEST_F(SuggestionTest, ConcurrentChangesNeverLeaveAListFreshButBehindOwnChanges) {
  Start({{"FRIEND_SUGGESTION_REFRESH_MS", "100"}});
  // 24 users befriending each other from 6 threads while the refresher runs.
  std::vector<std::string> users;
  for (int i = 0; i < 24; ++i) users.push_back(NewUser());
  std::vector<std::pair<int, int>> pairs;
  for (int a = 0; a < 24; ++a) {
    for (int b = a + 1; b < 24; ++b) {
      if ((a * 7 + b * 3) % 4 == 0) pairs.emplace_back(a, b);
    }
  }
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      auto stub = v1::FriendService::NewStub(ChannelTo(*server_));
      for (size_t i = next++; i < pairs.size(); i = next++) {
        const std::string& a = users[pairs[i].first];
        const std::string& b = users[pairs[i].second];
        v1::SendFriendRequestRequest send;
        send.set_user_id(b);
        v1::Friendship friendship;
        v1::AcceptFriendRequestRequest accept;
        accept.set_user_id(a);
        if (!stub->SendFriendRequest(As(a).get(), send, &friendship).ok() ||
            !stub->AcceptFriendRequest(As(b).get(), accept, &friendship).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_GT(pairs.size(), 50u);

  ASSERT_TRUE(Eventually([&] {
    for (const std::string& user : users) {
      if (ListState(user) != "fresh") return false;
    }
    return true;
  })) << "lists still stale";
  // A refresh that had missed one of the user's own new friendships would
  // list that friend as a candidate (in this dense graph most friends were
  // friends of friends first). Friends' changes may trail (until the age
  // refresh); one's own may not.
  int candidates = 0;
  for (const std::string& user : users) {
    candidates += static_cast<int>(StoredList(user).size());
    EXPECT_EQ(
        QueryPrimary(scratch_.name(),
                     "SELECT count(*) FROM friend_suggestion_lists l, unnest(l.candidate_ids) "
                     "AS c JOIN friendships f ON f.friend_id = c WHERE l.user_id = $1 "
                     "AND f.user_id = $1",
                     user)[0][0]
            .as<int>(),
        0)
        << "a fresh list names a current friend of " << user;
  }
  EXPECT_GT(candidates, 0);
}

TEST_F(SuggestionTest, BadSettingsStopStartUp) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"FRIEND_SUGGESTION_LIST_SIZE", "0"},
           {"FRIEND_SUGGESTION_REFRESH_MS", "5"},
           {"FRIEND_SUGGESTION_MAX_AGE_HOURS", "-1"}}) {
    std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("social");
    env[name] = value;
    const char* binary = std::getenv("SOCIAL_BINARY");
    ASSERT_NE(binary, nullptr);
    std::unique_ptr<ServiceProcess> process = ServiceProcess::Start(binary, env);
    EXPECT_EQ(process->WaitForExit(absl::Seconds(20)), std::optional<int>(2))
        << name << "=" << value;
    EXPECT_NE(process->Log().find(name), std::string::npos) << process->Log();
  }
}

}  // namespace
}  // namespace qs::testing
