#include "tests/bench/quest_scenarios.h"

#include <map>
#include <random>

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

// Starts `count` attempts in one statement, as StartAttempt would one by one;
// three in five will be answered correctly.
void StartAttempts(pqxx::work& tx, QuestData& data, int count, Random& random) {
  std::vector<std::string> users, puzzles;
  std::map<std::string, std::string> solutions;
  for (int i = 0; i < count; ++i) {
    const QuestData::Puzzle& puzzle = AnyOf(data.puzzles, random);
    users.push_back(AnyOf(data.users, random));
    puzzles.push_back(puzzle.id);
    solutions[puzzle.id] = puzzle.solution;
  }
  pqxx::result rows = tx.exec_params(
      "INSERT INTO puzzle_attempts (user_id, puzzle_id) "
      "SELECT * FROM unnest($1::uuid[], $2::uuid[]) "
      "RETURNING id::text, user_id::text, puzzle_id::text",
      absl::StrCat("{", absl::StrJoin(users, ","), "}"),
      absl::StrCat("{", absl::StrJoin(puzzles, ","), "}"));
  for (const pqxx::row& row : rows) {
    const bool correct = random() % 100 < 60;
    data.open_attempts.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                                  correct ? solutions[row[2].as<std::string>()] : "wrong"});
  }
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

CallSpec SubmitAttempt(std::shared_ptr<QuestData> data, double weight) {
  return {"SubmitAttempt", "/quest.v1.AttemptService/SubmitAttempt", weight, [data](Random&) {
            // Each open attempt once; past the end they repeat and are
            // refused (FAILED_PRECONDITION), which the run's errors show.
            const QuestData::OpenAttempt& attempt =
                data->open_attempts[data->next_open_attempt++ % data->open_attempts.size()];
            ::quest::v1::SubmitAttemptRequest request;
            request.set_attempt_id(attempt.id);
            request.set_answer(attempt.answer);
            request.set_request_id(api::NewUuidV4());
            return MakeRequest(request, AsUser(attempt.user_id));
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
    if (options.open_attempts > 0) StartAttempts(tx, *data, options.open_attempts, random);
    tx.commit();
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, "loading benchmark data");
  }
  return data;
}

std::vector<std::string> QuestScenarioNames() {
  return {"get_puzzle",      "list_puzzles",       "next_puzzle", "submit_attempt",
          "leaderboard_top", "leaderboard_around", "mixed"};
}

bool QuestScenarioSubmits(const std::string& name) {
  return name == "submit_attempt" || name == "mixed";
}

absl::StatusOr<Scenario> QuestScenario(const std::string& name,
                                       const std::shared_ptr<QuestData>& data) {
  if (QuestScenarioSubmits(name) && data->open_attempts.empty()) {
    return absl::FailedPreconditionError(name + " needs open attempts (QuestDataOptions)");
  }
  if (name == "get_puzzle") return Scenario{name, {GetPuzzle(data, 1)}};
  if (name == "list_puzzles") return Scenario{name, {ListPuzzles(data, 1)}};
  if (name == "next_puzzle") return Scenario{name, {NextPuzzle(data, 1)}};
  if (name == "submit_attempt") return Scenario{name, {SubmitAttempt(data, 1)}};
  if (name == "leaderboard_top") return Scenario{name, {LeaderboardTop(data, 1)}};
  if (name == "leaderboard_around") return Scenario{name, {LeaderboardAround(data, 1)}};
  if (name == "mixed") {
    // A player session's shape: mostly reads, one submit in seven calls.
    return Scenario{
        name,
        {GetPuzzle(data, 35), ListPuzzles(data, 20), NextPuzzle(data, 10), SubmitAttempt(data, 15),
         LeaderboardTop(data, 10), LeaderboardAround(data, 10)}};
  }
  return absl::InvalidArgumentError(absl::StrCat("scenario: unknown \"", name, "\" (one of ",
                                                 absl::StrJoin(QuestScenarioNames(), ", "), ")"));
}

}  // namespace qs::bench
