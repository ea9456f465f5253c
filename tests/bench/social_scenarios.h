// The social service's benchmark scenarios over seeded data
// (social/seed_data.h), one per RPC of issue 9's benchmark:
//   list_friends         ListFriends, a first page of 20 friends
//   list_mutual_friends  ListMutualFriends with one of the caller's friends
//   suggest_friends      SuggestFriends, a first page of 20
//   list_messages        ListMessages, the latest 50 of a channel the caller is in
//   list_channels        ListChannels, a first page of 20 with unread counts
//   send_message         SendMessage into a channel the caller is in
//
//   auto data = LoadSocialData(conninfo, {});
//   absl::StatusOr<Scenario> scenario = SocialScenario("list_friends", *data);
#ifndef QS_TESTS_BENCH_SOCIAL_SCENARIOS_H_
#define QS_TESTS_BENCH_SOCIAL_SCENARIOS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/bench/load_generator.h"

namespace qs::bench {

// Ids sampled from the database, so requests hit real rows at random.
struct SocialData {
  struct Pair {
    std::string user_id;
    std::string other_id;  // a friend, or a channel
  };
  std::vector<std::string> users;          // users with friends
  std::vector<Pair> friendships;           // (user, one of their friends)
  std::vector<Pair> channel_participants;  // (user, a channel with messages they are in)
};

struct SocialDataOptions {
  int sample = 20000;  // ids sampled per kind
};

// FAILED_PRECONDITION when the database was not seeded.
absl::StatusOr<std::shared_ptr<SocialData>> LoadSocialData(const std::string& conninfo,
                                                           const SocialDataOptions& options);

std::vector<std::string> SocialScenarioNames();

// INVALID_ARGUMENT for an unknown name.
absl::StatusOr<Scenario> SocialScenario(const std::string& name,
                                        const std::shared_ptr<SocialData>& data);

}  // namespace qs::bench

#endif  // QS_TESTS_BENCH_SOCIAL_SCENARIOS_H_
