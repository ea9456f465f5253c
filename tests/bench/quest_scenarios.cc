#include "tests/bench/quest_scenarios.h"

#include <map>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/uuid.h"
#include "common/db/db_error.h"
#include "pqxx/pqxx"
#include "proto/quest/v1/attempts.pb.h"
#include "proto/quest/v1/leaderboards.pb.h"
#include "proto/quest/v1/puzzles.pb.h"
#include "tests/bench/scenario_support.h"

namespace qs::bench {
namespace {

// Starts an attempt of users[i] on puzzles[i].id for every i, in one
// statement, as StartAttempt would one by one, into `open`; three in five
// will be answered correctly.
void StartAttempts(pqxx::work& tx, const std::vector<std::string>& users,
                   const std::vector<const QuestData::Puzzle*>& puzzles, Random& random,
                   std::vector<QuestData::OpenAttempt>& open) {
  std::vector<std::string> puzzle_ids;
  std::map<std::string, std::string> solutions;
  for (const QuestData::Puzzle* puzzle : puzzles) {
    puzzle_ids.push_back(puzzle->id);
    solutions[puzzle->id] = puzzle->solution;
  }
  pqxx::result rows = tx.exec_params(
      "INSERT INTO puzzle_attempts (user_id, puzzle_id) "
      "SELECT * FROM unnest($1::uuid[], $2::uuid[]) "
      "RETURNING id::text, user_id::text, puzzle_id::text",
      absl::StrCat("{", absl::StrJoin(users, ","), "}"),
      absl::StrCat("{", absl::StrJoin(puzzle_ids, ","), "}"));
  for (const pqxx::row& row : rows) {
    const bool correct = random() % 100 < 60;
    open.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                    correct ? solutions[row[2].as<std::string>()] : "wrong"});
  }
}

// `count` attempts of random users on random sampled puzzles.
void StartSpreadAttempts(pqxx::work& tx, QuestData& data, int count, Random& random) {
  std::vector<std::string> users;
  std::vector<const QuestData::Puzzle*> puzzles;
  for (int i = 0; i < count; ++i) {
    users.push_back(AnyOf(data.users, random));
    puzzles.push_back(&AnyOf(data.puzzles, random));
  }
  StartAttempts(tx, users, puzzles, random, data.open_attempts);
}

// `count` attempts on the first published puzzle seeded, by users who never
// played it: each such user once, in random order, before any repeats, so
// as many submits as possible are rated (and so update the puzzle's rating).
absl::Status StartHotAttempts(pqxx::work& tx, QuestData& data, int count, Random& random) {
  pqxx::result puzzle = tx.exec(
      "SELECT id::text, solution FROM puzzles WHERE status = 'published' "
      "ORDER BY created_at, id LIMIT 1");
  if (puzzle.empty()) return absl::FailedPreconditionError("no published puzzle to make hot");
  const QuestData::Puzzle hot{puzzle[0][0].as<std::string>(), puzzle[0][1].as<std::string>()};
  data.hot_puzzle_id = hot.id;
  std::vector<std::string> players;
  for (const pqxx::row& row :
       tx.exec_params("SELECT user_id::text FROM user_progress p WHERE NOT EXISTS (SELECT 1 FROM "
                      "puzzle_attempts a WHERE a.user_id = p.user_id AND a.puzzle_id = $1::uuid) "
                      "ORDER BY random() LIMIT $2",
                      hot.id, count)) {
    players.push_back(row[0].as<std::string>());
  }
  if (players.empty()) return absl::FailedPreconditionError("every user has played the hot puzzle");
  std::vector<std::string> users;
  for (int i = 0; i < count; ++i) users.push_back(players[i % players.size()]);
  StartAttempts(tx, users, std::vector<const QuestData::Puzzle*>(count, &hot), random,
                data.hot_open_attempts);
  return absl::OkStatus();
}

CallSpec GetPuzzle(std::shared_ptr<QuestData> data, double weight) {
  return {"GetPuzzle", "/quest.v1.PuzzleService/GetPuzzle", weight, [data](Random& random) {
            ::quest::v1::GetPuzzleRequest request;
            request.set_puzzle_id(AnyOf(data->puzzles, random).id);
            return MakeRequest(request, AsUser(AnyOf(data->users, random)));
          }};
}

CallSpec ListPuzzles(std::shared_ptr<QuestData> data, double weight) {
  return {"ListPuzzles", "/quest.v1.PuzzleService/ListPuzzles", weight, [data](Random& random) {
            ::quest::v1::ListPuzzlesRequest request;
            request.set_status(::quest::v1::PUZZLE_STATUS_PUBLISHED);
            request.set_page_size(20);
            return MakeRequest(request, AsUser(AnyOf(data->users, random)));
          }};
}

CallSpec NextPuzzle(std::shared_ptr<QuestData> data, double weight) {
  return {"GetNextPuzzle", "/quest.v1.PuzzleService/GetNextPuzzle", weight, [data](Random& random) {
            ::quest::v1::GetNextPuzzleRequest request;
            request.set_band(::quest::v1::DIFFICULTY_BAND_SIMILAR);
            return MakeRequest(request, AsUser(AnyOf(data->users, random)));
          }};
}

// Submits the next of `open` (advancing `next`).
CallSpec SubmitAttempt(std::shared_ptr<QuestData> data, double weight,
                       std::vector<QuestData::OpenAttempt> QuestData::*open,
                       size_t QuestData::*next) {
  return {"SubmitAttempt", "/quest.v1.AttemptService/SubmitAttempt", weight,
          [data, open, next](Random&) {
            // Each open attempt once; past the end they repeat and are
            // refused (FAILED_PRECONDITION), which the run's errors show.
            const std::vector<QuestData::OpenAttempt>& attempts = (*data).*open;
            const QuestData::OpenAttempt& attempt = attempts[((*data).*next)++ % attempts.size()];
            ::quest::v1::SubmitAttemptRequest request;
            request.set_attempt_id(attempt.id);
            request.set_answer(attempt.answer);
            request.set_request_id(api::NewUuidV4());
            return MakeRequest(request, AsUser(attempt.user_id));
          }};
}

CallSpec SubmitSpread(std::shared_ptr<QuestData> data, double weight) {
  return SubmitAttempt(data, weight, &QuestData::open_attempts, &QuestData::next_open_attempt);
}

CallSpec SubmitHot(std::shared_ptr<QuestData> data, double weight) {
  return SubmitAttempt(data, weight, &QuestData::hot_open_attempts,
                       &QuestData::next_hot_open_attempt);
}

CallSpec StartAttempt(std::shared_ptr<QuestData> data, double weight) {
  return {"StartAttempt", "/quest.v1.AttemptService/StartAttempt", weight, [data](Random& random) {
            ::quest::v1::StartAttemptRequest request;
            request.set_puzzle_id(AnyOf(data->puzzles, random).id);
            return MakeRequest(request, AsUser(AnyOf(data->users, random)));
          }};
}

CallSpec LeaderboardTop(std::shared_ptr<QuestData> data, double weight) {
  return {"GetLeaderboard", "/quest.v1.LeaderboardService/GetLeaderboard", weight,
          [data](Random& random) {
            ::quest::v1::GetLeaderboardRequest request;
            request.set_period(::quest::v1::LEADERBOARD_PERIOD_ALL_TIME);
            request.set_page_size(100);
            return MakeRequest(request, AsUser(AnyOf(data->users, random)));
          }};
}

CallSpec LeaderboardAround(std::shared_ptr<QuestData> data, double weight) {
  return {"GetLeaderboardAroundUser", "/quest.v1.LeaderboardService/GetLeaderboardAroundUser",
          weight, [data](Random& random) {
            ::quest::v1::GetLeaderboardAroundUserRequest request;
            const std::string& user = AnyOf(data->board_users, random);
            request.set_user_id(user);
            request.set_period(::quest::v1::LEADERBOARD_PERIOD_ALL_TIME);
            request.set_radius(10);
            return MakeRequest(request, AsUser(user));
          }};
}

}  // namespace

absl::StatusOr<std::shared_ptr<QuestData>> LoadQuestData(const std::string& conninfo,
                                                         const QuestDataOptions& options) {
  auto data = std::make_shared<QuestData>();
  Random random(options.seed);
  try {
    pqxx::connection connection(conninfo);
    pqxx::work tx(connection);
    const std::string limit = std::to_string(options.sample);
    for (const auto& row : tx.exec("SELECT id::text, solution FROM puzzles WHERE status = "
                                   "'published' ORDER BY random() LIMIT " +
                                   limit)) {
      data->puzzles.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
    }
    data->users =
        Column(tx, "SELECT user_id::text FROM user_progress ORDER BY random() LIMIT " + limit);
    data->board_users = Column(tx,
                               "SELECT user_id::text FROM leaderboard_scores WHERE period = 'all' "
                               "ORDER BY random() LIMIT " +
                                   limit);
    if (data->puzzles.empty() || data->users.empty() || data->board_users.empty()) {
      return absl::FailedPreconditionError(
          "the database has no published puzzles, users or leaderboard rows: seed it first "
          "(bazel run //quest:seed)");
    }
    if (options.open_attempts > 0) StartSpreadAttempts(tx, *data, options.open_attempts, random);
    if (options.hot_open_attempts > 0) {
      absl::Status started = StartHotAttempts(tx, *data, options.hot_open_attempts, random);
      if (!started.ok()) return started;
    }
    tx.commit();
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, "loading benchmark data");
  }
  return data;
}

std::vector<std::string> QuestScenarioNames() {
  return {"get_puzzle",      "list_puzzles",       "next_puzzle",
          "submit_attempt",  "submit_attempt_hot", "start_attempt",
          "leaderboard_top", "leaderboard_around", "mixed"};
}

bool QuestScenarioSubmits(const std::string& name) {
  return name == "submit_attempt" || name == "mixed";
}

bool QuestScenarioSubmitsHot(const std::string& name) { return name == "submit_attempt_hot"; }

absl::StatusOr<Scenario> QuestScenario(const std::string& name,
                                       const std::shared_ptr<QuestData>& data) {
  if (QuestScenarioSubmits(name) && data->open_attempts.empty()) {
    return absl::FailedPreconditionError(name + " needs open attempts (QuestDataOptions)");
  }
  if (QuestScenarioSubmitsHot(name) && data->hot_open_attempts.empty()) {
    return absl::FailedPreconditionError(name + " needs hot open attempts (QuestDataOptions)");
  }
  if (name == "get_puzzle") return Scenario{name, {GetPuzzle(data, 1)}};
  if (name == "list_puzzles") return Scenario{name, {ListPuzzles(data, 1)}};
  if (name == "next_puzzle") return Scenario{name, {NextPuzzle(data, 1)}};
  if (name == "submit_attempt") return Scenario{name, {SubmitSpread(data, 1)}};
  if (name == "submit_attempt_hot") return Scenario{name, {SubmitHot(data, 1)}};
  if (name == "start_attempt") return Scenario{name, {StartAttempt(data, 1)}};
  if (name == "leaderboard_top") return Scenario{name, {LeaderboardTop(data, 1)}};
  if (name == "leaderboard_around") return Scenario{name, {LeaderboardAround(data, 1)}};
  if (name == "mixed") {
    // A player session's shape: mostly reads, one submit in seven calls.
    return Scenario{
        name,
        {GetPuzzle(data, 35), ListPuzzles(data, 20), NextPuzzle(data, 10), SubmitSpread(data, 15),
         LeaderboardTop(data, 10), LeaderboardAround(data, 10)}};
  }
  return absl::InvalidArgumentError(absl::StrCat("scenario: unknown \"", name, "\" (one of ",
                                                 absl::StrJoin(QuestScenarioNames(), ", "), ")"));
}

}  // namespace qs::bench
