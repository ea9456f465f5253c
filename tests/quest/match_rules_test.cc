#include "quest/match_rules.h"

#include <string>
#include <utility>
#include <vector>

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
  EXPECT_EQ(CheckStart(MATCH_STATUS_WAITING, false, 2).code(), absl::StatusCode::kPermissionDenied);
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
  EXPECT_EQ(CheckLeave(MATCH_STATUS_FINISHED, true).code(), absl::StatusCode::kFailedPrecondition);
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

// A match in `status` with `puzzles` puzzles and these participants.
struct Player {
  std::string user_id;
  int64_t score = 0;
  int answered = 0;
  int64_t time_taken_ms = 0;
  bool left = false;
};
Match MatchOf(MatchStatus status, int puzzles, const std::vector<Player>& players) {
  Match match;
  match.set_status(status);
  for (int i = 0; i < puzzles; ++i) match.add_puzzle_ids("puzzle-" + std::to_string(i));
  for (const Player& player : players) {
    MatchParticipant* p = match.add_participants();
    p->set_user_id(player.user_id);
    p->set_score(player.score);
    p->set_answered_count(player.answered);
    p->set_time_taken_ms(player.time_taken_ms);
    p->set_left(player.left);
  }
  return match;
}

using Ranks = std::vector<std::pair<std::string, int>>;

TEST(MatchRulesTest, ParticipantsActivePlayersAndPuzzlesOfAMatch) {
  const Match match =
      MatchOf(MATCH_STATUS_IN_PROGRESS, 2, {{"ann"}, {"bob", 0, 0, 0, /*left=*/true}, {"cid"}});
  ASSERT_NE(ParticipantOf(match, "bob"), nullptr);
  EXPECT_EQ(ParticipantOf(match, "bob")->user_id(), "bob");
  EXPECT_EQ(ParticipantOf(match, "bob"), &match.participants(1));
  EXPECT_EQ(ParticipantOf(match, "dan"), nullptr);
  EXPECT_TRUE(IsActive(match, "ann"));
  EXPECT_FALSE(IsActive(match, "bob")) << "left";
  EXPECT_FALSE(IsActive(match, "dan")) << "never joined";
  EXPECT_EQ(ActivePlayers(match), 2);
  EXPECT_EQ(ActivePlayers(MatchOf(MATCH_STATUS_WAITING, 1, {})), 0);
  EXPECT_TRUE(HasPuzzle(match, "puzzle-0"));
  EXPECT_TRUE(HasPuzzle(match, "puzzle-1"));
  EXPECT_FALSE(HasPuzzle(match, "puzzle-2"));
  EXPECT_FALSE(HasPuzzle(match, ""));
}

TEST(MatchRulesTest, ARunningMatchSettlesOnlyWhenEveryoneStillInAnsweredEverything) {
  EXPECT_EQ(Settle(MatchOf(MATCH_STATUS_IN_PROGRESS, 2, {{"ann", 10, 2}, {"bob", 5, 1}})).outcome,
            Settlement::kNone);
  EXPECT_EQ(Settle(MatchOf(MATCH_STATUS_IN_PROGRESS, 2, {{"ann", 0, 0}, {"bob", 0, 0}})).outcome,
            Settlement::kNone);
  const Settlement none = Settle(MatchOf(MATCH_STATUS_IN_PROGRESS, 3, {{"ann", 9, 2}}));
  EXPECT_EQ(none.outcome, Settlement::kNone);
  EXPECT_EQ(none.winner_id, "");
  EXPECT_TRUE(none.ranks.empty());
  // A waiting match with players in it never settles, answers or not.
  EXPECT_EQ(Settle(MatchOf(MATCH_STATUS_WAITING, 1, {{"ann", 0, 1}})).outcome, Settlement::kNone);
}

TEST(MatchRulesTest, AFinishedMatchRanksEveryParticipantInOrderAndNamesTheWinner) {
  const Settlement done = Settle(MatchOf(MATCH_STATUS_IN_PROGRESS, 2,
                                         {{"slow", 300, 2, 9000},
                                          {"quitter", 900, 1, 100, /*left=*/true},
                                          {"fast", 300, 2, 4000},
                                          {"low", 100, 2, 1000}}));
  EXPECT_EQ(done.outcome, Settlement::kFinish);
  EXPECT_EQ(done.winner_id, "fast");
  EXPECT_EQ(done.ranks, (Ranks{{"slow", 2}, {"quitter", 4}, {"fast", 1}, {"low", 3}}))
      << "one rank per participant, in the participants' order; a leaver ranks last";
}

TEST(MatchRulesTest, ASharedFirstPlaceFinishesWithoutAWinner) {
  const Settlement tie =
      Settle(MatchOf(MATCH_STATUS_IN_PROGRESS, 1,
                     {{"ann", 200, 1, 5000}, {"bob", 200, 1, 5000}, {"cid", 100, 1, 1000}}));
  EXPECT_EQ(tie.outcome, Settlement::kFinish);
  EXPECT_EQ(tie.winner_id, "");
  EXPECT_EQ(tie.ranks, (Ranks{{"ann", 1}, {"bob", 1}, {"cid", 3}}));
}

TEST(MatchRulesTest, TheLastPlayerStandingWinsWhenTheOthersLeft) {
  const Settlement alone =
      Settle(MatchOf(MATCH_STATUS_IN_PROGRESS, 2, {{"ann", 0, 0, 0, true}, {"bob", 50, 2, 7000}}));
  EXPECT_EQ(alone.outcome, Settlement::kFinish);
  EXPECT_EQ(alone.winner_id, "bob");
  EXPECT_EQ(alone.ranks, (Ranks{{"ann", 2}, {"bob", 1}}));
}

TEST(MatchRulesTest, AMatchEveryoneLeftIsCancelledWaitingOrRunning) {
  for (MatchStatus status : {MATCH_STATUS_WAITING, MATCH_STATUS_IN_PROGRESS}) {
    const Settlement gone =
        Settle(MatchOf(status, 2, {{"ann", 10, 2, 100, true}, {"bob", 0, 0, 0, true}}));
    EXPECT_EQ(gone.outcome, Settlement::kCancel) << MatchStatus_Name(status);
    EXPECT_EQ(gone.winner_id, "");
    EXPECT_TRUE(gone.ranks.empty());
  }
  EXPECT_EQ(Settle(MatchOf(MATCH_STATUS_WAITING, 1, {})).outcome, Settlement::kCancel)
      << "nobody in it at all";
}

TEST(MatchRulesTest, FinishedAndCancelledMatchesSettleToNothing) {
  for (MatchStatus status :
       {MATCH_STATUS_FINISHED, MATCH_STATUS_CANCELLED, MATCH_STATUS_UNSPECIFIED}) {
    EXPECT_EQ(Settle(MatchOf(status, 1, {{"ann", 10, 1}, {"bob", 0, 1}})).outcome,
              Settlement::kNone)
        << MatchStatus_Name(status);
    EXPECT_EQ(Settle(MatchOf(status, 1, {{"ann", 0, 0, 0, true}})).outcome, Settlement::kNone)
        << MatchStatus_Name(status) << " with everyone gone";
  }
}

TEST(MatchRulesTest, LeavingAWaitingMatchRemovesThePlayerARunningOneMarksHim) {
  Match waiting = MatchOf(MATCH_STATUS_WAITING, 1, {{"ann"}, {"bob"}, {"cid"}});
  ApplyLeave("bob", &waiting);
  ASSERT_EQ(waiting.participants_size(), 2);
  EXPECT_EQ(waiting.participants(0).user_id(), "ann");
  EXPECT_EQ(waiting.participants(1).user_id(), "cid") << "the others keep their order";
  ApplyLeave("dan", &waiting);
  EXPECT_EQ(waiting.participants_size(), 2) << "not a participant: nothing changes";

  Match running = MatchOf(MATCH_STATUS_IN_PROGRESS, 1, {{"ann", 10, 1}, {"bob"}});
  ApplyLeave("ann", &running);
  ASSERT_EQ(running.participants_size(), 2);
  EXPECT_TRUE(running.participants(0).left());
  EXPECT_EQ(running.participants(0).score(), 10) << "a leaver keeps his score";
  EXPECT_FALSE(running.participants(1).left());
  // Leaving the last running player out settles the match as it will be.
  ApplyLeave("bob", &running);
  EXPECT_EQ(Settle(running).outcome, Settlement::kCancel);
}

TEST(MatchRulesTest, AnAnswerAddsToThePlayersScoreAndCounters) {
  Match match = MatchOf(MATCH_STATUS_IN_PROGRESS, 2, {{"ann", 100, 1, 4000}, {"bob", 50, 1, 3000}});
  match.mutable_participants(0)->set_solved_count(1);
  ApplyAnswer("ann", /*correct=*/true, 168, 12000, &match);
  const MatchParticipant& ann = match.participants(0);
  EXPECT_EQ(ann.score(), 268);
  EXPECT_EQ(ann.solved_count(), 2);
  EXPECT_EQ(ann.answered_count(), 2);
  EXPECT_EQ(ann.time_taken_ms(), 16000);
  ApplyAnswer("bob", /*correct=*/false, 0, 500, &match);
  const MatchParticipant& bob = match.participants(1);
  EXPECT_EQ(bob.score(), 50);
  EXPECT_EQ(bob.solved_count(), 0) << "a wrong answer solves nothing";
  EXPECT_EQ(bob.answered_count(), 2);
  EXPECT_EQ(bob.time_taken_ms(), 3500);
  // Both answered both puzzles: the match finishes on what was applied.
  const Settlement done = Settle(match);
  EXPECT_EQ(done.outcome, Settlement::kFinish);
  EXPECT_EQ(done.winner_id, "ann");
}

TEST(MatchRulesTest, StatusAndModeCodesRoundTrip) {
  for (int s = 1; MatchStatus_IsValid(s); ++s) {
    EXPECT_EQ(MatchStatusFromCode(MatchStatusCode(static_cast<MatchStatus>(s))), s);
  }
  EXPECT_EQ(MatchStatusCode(MATCH_STATUS_IN_PROGRESS), "in_progress");
  EXPECT_EQ(MatchModeCode(MATCH_MODE_HEAD_TO_HEAD), "head_to_head");
  EXPECT_EQ(MatchModeFromCode("group"), MATCH_MODE_GROUP);
  EXPECT_EQ(MatchModeFromCode("chess"), MATCH_MODE_UNSPECIFIED);
}

}  // namespace
}  // namespace qs::quest
