// The quest service's benchmark scenarios over seeded data (quest/seed_data.h):
// get_puzzle, list_puzzles (a feed page), next_puzzle, submit_attempt
// (open attempts spread over the sampled puzzles), submit_attempt_hot (every
// open attempt on one puzzle: the daily puzzle everyone plays at once),
// start_attempt, leaderboard_top (top 100), leaderboard_around and mixed.
//
//   auto data = LoadQuestData(conninfo, {.open_attempts = 50000});
//   absl::StatusOr<Scenario> scenario = QuestScenario("get_puzzle", *data);
#ifndef QS_TESTS_BENCH_QUEST_SCENARIOS_H_
#define QS_TESTS_BENCH_QUEST_SCENARIOS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/bench/load_generator.h"

namespace qs::bench {

// Ids sampled from the database, so requests hit real rows at random.
struct QuestData {
  struct Puzzle {
    std::string id;
    std::string solution;
  };
  struct OpenAttempt {
    std::string id;
    std::string user_id;
    std::string answer;
  };
  std::vector<Puzzle> puzzles;
  std::vector<std::string> users;        // users with progress
  std::vector<std::string> board_users;  // users on the all-time board
  // Started, unsubmitted attempts for submit_attempt: each is used once.
  std::vector<OpenAttempt> open_attempts;
  size_t next_open_attempt = 0;
  // The same for submit_attempt_hot, all on `hot_puzzle_id`.
  std::string hot_puzzle_id;
  std::vector<OpenAttempt> hot_open_attempts;
  size_t next_hot_open_attempt = 0;
};

struct QuestDataOptions {
  int sample = 20000;     // puzzles and users sampled
  int open_attempts = 0;  // attempts to start for submit_attempt
  // Attempts to start on the hot puzzle (the first published puzzle seeded),
  // for submit_attempt_hot: by users who never played it, in random order,
  // each once before any repeats (a repeat is an unrated second attempt).
  int hot_open_attempts = 0;
  uint64_t seed = 7;
};

absl::StatusOr<std::shared_ptr<QuestData>> LoadQuestData(const std::string& conninfo,
                                                         const QuestDataOptions& options);

std::vector<std::string> QuestScenarioNames();

// INVALID_ARGUMENT for an unknown name.
absl::StatusOr<Scenario> QuestScenario(const std::string& name,
                                       const std::shared_ptr<QuestData>& data);

// Whether the scenario submits attempts spread over puzzles (and so needs
// open_attempts), or all on the hot puzzle (hot_open_attempts).
bool QuestScenarioSubmits(const std::string& name);
bool QuestScenarioSubmitsHot(const std::string& name);

}  // namespace qs::bench

#endif  // QS_TESTS_BENCH_QUEST_SCENARIOS_H_
