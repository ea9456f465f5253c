#include "quest/match_rules.h"

#include "gtest/gtest.h"

namespace qs::quest {
namespace {

using namespace ::quest::v1;  // NOLINT

TEST(MatchRulesTest, CreateChecksModePuzzlesAndPlayers) {
  CreateMatchRequest request;
  request.set_mode(MATCH_MODE_HEAD_TO_HEAD);
  request.add_puzzle_ids("3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13");
  EXPECT_EQ(*ValidateCreateMatch(request), 2);
  request.set_max_players(3);
  EXPECT_EQ(ValidateCreateMatch(request).status().message().rfind("max_players:", 0), 0u);
  request.set_mode(MATCH_MODE_GROUP);
  EXPECT_EQ(*ValidateCreateMatch(request), 3);
  request.set_max_players(9);
  EXPECT_EQ(ValidateCreateMatch(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.set_max_players(4);
  request.add_puzzle_ids("3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c13");
  EXPECT_EQ(ValidateCreateMatch(request).status().message().rfind("puzzle_ids:", 0), 0u);
  request.clear_puzzle_ids();
  EXPECT_EQ(ValidateCreateMatch(request).status().message().rfind("puzzle_ids:", 0), 0u);
  request.add_puzzle_ids("x");
  EXPECT_EQ(ValidateCreateMatch(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.set_mode(static_cast<MatchMode>(7));
  EXPECT_EQ(ValidateCreateMatch(request).status().message().rfind("mode:", 0), 0u);
}

TEST(MatchRulesTest, StateMachine) {
  EXPECT_TRUE(CheckJoin(MATCH_STATUS_WAITING, 1, 2).ok());
  EXPECT_EQ(CheckJoin(MATCH_STATUS_WAITING, 2, 2).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(CheckJoin(MATCH_STATUS_IN_PROGRESS, 1, 2).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CheckStart(MATCH_STATUS_WAITING, true, 2).ok());
  EXPECT_EQ(CheckStart(MATCH_STATUS_WAITING, false, 2).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckStart(MATCH_STATUS_WAITING, true, 1).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckStart(MATCH_STATUS_FINISHED, true, 2).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CheckAnswer(MATCH_STATUS_IN_PROGRESS, true, true, false).ok());
  EXPECT_EQ(CheckAnswer(MATCH_STATUS_WAITING, true, true, false).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckAnswer(MATCH_STATUS_IN_PROGRESS, false, true, false).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckAnswer(MATCH_STATUS_IN_PROGRESS, true, false, false).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckAnswer(MATCH_STATUS_IN_PROGRESS, true, true, true).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(CheckLeave(MATCH_STATUS_IN_PROGRESS, true).ok());
  EXPECT_EQ(CheckLeave(MATCH_STATUS_FINISHED, true).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(MatchRulesTest, ScoreThenTimeDecidesAndLeaversRankLast) {
  std::vector<Standing> standings = {{"slow", 200, 9000, false},
                                     {"fast", 200, 4000, false},
                                     {"quitter", 900, 100, true},
                                     {"low", 100, 100, false},
                                     {"fast-twin", 200, 4000, false}};
  std::vector<int> ranks = RankStandings(standings);
  EXPECT_EQ(ranks, (std::vector<int>{3, 1, 5, 4, 1}));
  EXPECT_EQ(WinnerOf(standings, ranks), "") << "a tie for first has no winner";
  standings.pop_back();
  ranks = RankStandings(standings);
  EXPECT_EQ(ranks, (std::vector<int>{2, 1, 4, 3}));
  EXPECT_EQ(WinnerOf(standings, ranks), "fast");
}

}  // namespace
}  // namespace qs::quest
