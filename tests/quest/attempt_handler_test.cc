// quest.v1.AttemptService through a real gRPC client against the real quest
// binary: verdicts, scores, Glicko-2 updates of user and puzzle, progress,
// idempotent retries, races, authorisation and bad input.
#include <atomic>
#include <set>
#include <thread>

#include "tests/quest/quest_server_fixture.h"
#include "tests/support/start_barrier.h"

namespace qs::testing {
namespace {

using namespace ::quest::v1;  // NOLINT

class AttemptServiceTest : public QuestServerFixture {
 protected:
  Attempt Start(const std::string& puzzle_id, const std::string& user) {
    StartAttemptRequest request;
    request.set_puzzle_id(puzzle_id);
    Attempt attempt;
    grpc::Status status = attempts_->StartAttempt(As(user).get(), request, &attempt);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return attempt;
  }

  grpc::Status Submit(const std::string& attempt_id, const std::string& answer,
                      const std::string& user, SubmitAttemptResponse* out,
                      const std::string& request_id = "") {
    SubmitAttemptRequest request;
    request.set_attempt_id(attempt_id);
    request.set_answer(answer);
    request.set_request_id(request_id.empty() ? api::NewUuidV4() : request_id);
    return attempts_->SubmitAttempt(As(user).get(), request, out);
  }

  UserProgress Progress(const std::string& user, const std::string& of = "") {
    GetUserProgressRequest request;
    request.set_user_id(of);
    UserProgress progress;
    grpc::Status status = attempts_->GetUserProgress(As(user).get(), request, &progress);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return progress;
  }

  Puzzle PuzzleNow(const std::string& id) {
    GetPuzzleRequest request;
    request.set_puzzle_id(id);
    Puzzle puzzle;
    EXPECT_TRUE(puzzles_->GetPuzzle(As(author_).get(), request, &puzzle).ok());
    return puzzle;
  }
};

TEST_F(AttemptServiceTest, CorrectAnswerScoresAndRatesUserAndPuzzle) {
  AwayFromMidnightUtc();  // Both solves below must fall on one day of the streak.
  Puzzle puzzle = Published(1800);
  Attempt attempt = Start(puzzle.id(), player_);
  EXPECT_EQ(attempt.verdict(), VERDICT_UNSPECIFIED);
  SubmitAttemptResponse result;
  ASSERT_TRUE(Submit(attempt.id(), "  Nc7+\n", player_, &result).ok());
  EXPECT_EQ(result.attempt().verdict(), VERDICT_CORRECT);
  EXPECT_TRUE(result.attempt().rated());
  EXPECT_GE(result.attempt().time_taken_ms(), 0);
  EXPECT_EQ(result.attempt().score(), 180 + 30 - result.attempt().time_taken_ms() / 1000);
  EXPECT_DOUBLE_EQ(result.attempt().rating_before(), 1500);
  EXPECT_GT(result.attempt().rating_change(), 0) << "beat a harder puzzle";

  const UserProgress& progress = result.progress();
  EXPECT_EQ(progress.solved_count(), 1);
  EXPECT_EQ(progress.attempt_count(), 1);
  EXPECT_EQ(progress.current_streak(), 1);
  EXPECT_EQ(progress.best_streak(), 1);
  EXPECT_EQ(progress.total_score(), result.attempt().score());
  EXPECT_LT(progress.rating_deviation(), 350);
  // Right after the write, the user's own progress already shows it.
  UserProgress read_back = Progress(player_);
  EXPECT_EQ(read_back.SerializeAsString(), progress.SerializeAsString());

  // The puzzle's rating moves when its rating period closes, and its play
  // count when plays are folded (both within about 2 s here); it is read
  // from the replica.
  Puzzle after;
  EXPECT_TRUE(Eventually([&] {
    after = PuzzleNow(puzzle.id());
    return after.rating() != 1800 && after.play_count() == 1;
  })) << after.DebugString();
  EXPECT_LT(after.rating(), 1800) << "the puzzle lost to the user";

  // The solve was published to the outbox in the same transaction.
  auto events = OutboxEvents(kDatabase, attempt.id());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), "quest.v1.PuzzleSolved");
  EXPECT_EQ(events[0].source(), "quest");
  ::quest::v1::PuzzleSolved solved;
  ASSERT_TRUE(events[0].payload().UnpackTo(&solved));
  EXPECT_EQ(solved.user_id(), player_);
  EXPECT_EQ(solved.puzzle_id(), puzzle.id());
  EXPECT_EQ(solved.score(), result.attempt().score());
  EXPECT_DOUBLE_EQ(solved.rating(), progress.rating());
  EXPECT_EQ(solved.current_streak(), 1);
  EXPECT_TRUE(solved.streak_extended()) << "the day's first solve starts the streak";

  // A second solve on the same day repeats the streak without extending it.
  Puzzle another = Published();
  Attempt again = Start(another.id(), player_);
  SubmitAttemptResponse second;
  ASSERT_TRUE(Submit(again.id(), "Nc7+", player_, &second).ok());
  auto later = OutboxEvents(kDatabase, again.id());
  ASSERT_EQ(later.size(), 1u);
  ASSERT_TRUE(later[0].payload().UnpackTo(&solved));
  EXPECT_EQ(solved.current_streak(), 1);
  EXPECT_FALSE(solved.streak_extended());
}

TEST_F(AttemptServiceTest, WrongAnswerAndLaterAttemptsAreNotRatedAgain) {
  Puzzle puzzle = Published(1500);
  SubmitAttemptResponse wrong;
  ASSERT_TRUE(Submit(Start(puzzle.id(), player_).id(), "Qh5", player_, &wrong).ok());
  EXPECT_EQ(wrong.attempt().verdict(), VERDICT_INCORRECT);
  EXPECT_EQ(wrong.attempt().score(), 0);
  EXPECT_LT(wrong.attempt().rating_change(), 0);
  EXPECT_EQ(wrong.progress().solved_count(), 0);
  EXPECT_EQ(wrong.progress().current_streak(), 0);
  EXPECT_TRUE(OutboxEvents(kDatabase, wrong.attempt().id()).empty())
      << "no PuzzleSolved for a miss";

  SubmitAttemptResponse retry;
  ASSERT_TRUE(Submit(Start(puzzle.id(), player_).id(), "Nc7+", player_, &retry).ok());
  EXPECT_EQ(retry.attempt().verdict(), VERDICT_CORRECT);
  EXPECT_FALSE(retry.attempt().rated());
  EXPECT_DOUBLE_EQ(retry.attempt().rating_change(), 0);
  EXPECT_EQ(retry.progress().attempt_count(), 2);
  EXPECT_EQ(retry.progress().solved_count(), 1);
}

TEST_F(AttemptServiceTest, RetriedSubmitWithTheSameRequestIdChangesNothingTwice) {
  Puzzle puzzle = Published();
  Attempt attempt = Start(puzzle.id(), player_);
  SubmitAttemptResponse first, second;
  ASSERT_TRUE(Submit(attempt.id(), "Nc7+", player_, &first, "retry-1").ok());
  ASSERT_TRUE(Submit(attempt.id(), "Nc7+", player_, &second, "retry-1").ok());
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  EXPECT_EQ(Progress(player_).attempt_count(), 1);
  EXPECT_EQ(OutboxEvents(kDatabase, attempt.id()).size(), 1u) << "one solve, one event";
  // A new request id for the same attempt is a second submission: refused.
  SubmitAttemptResponse again;
  EXPECT_EQ(Submit(attempt.id(), "Nc7+", player_, &again, "retry-2").error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // The same request id with another answer is a client bug.
  EXPECT_EQ(Submit(attempt.id(), "Qh5", player_, &again, "retry-1").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AttemptServiceTest, ConcurrentSubmissionsNeverLoseACounterUpdate) {
  constexpr int kAttempts = 16;
  std::vector<std::string> attempt_ids;
  for (int i = 0; i < kAttempts; ++i) {
    attempt_ids.push_back(Start(Published().id(), player_).id());
  }
  std::atomic<int> failures{0};
  RunTogether(kAttempts, [&](int i) {
    SubmitAttemptResponse out;
    grpc::Status status = Submit(attempt_ids[i], i % 2 ? "Nc7+" : "no", player_, &out);
    if (!status.ok()) {
      ADD_FAILURE() << status.error_message();
      ++failures;
    }
  });
  ASSERT_EQ(failures.load(), 0);
  UserProgress progress = Progress(player_);
  EXPECT_EQ(progress.attempt_count(), kAttempts);
  EXPECT_EQ(progress.solved_count(), kAttempts / 2);
  pqxx::result row = QueryPrimary(
      kDatabase,
      "SELECT p.attempt_count, p.solved_count, p.total_score, "
      "  (SELECT count(*) FROM puzzle_attempts a WHERE a.user_id = p.user_id), "
      "  (SELECT coalesce(sum(score), 0) FROM puzzle_attempts a WHERE a.user_id = p.user_id) "
      "FROM user_progress p WHERE p.user_id = $1",
      player_);
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0][0].as<int64_t>(), kAttempts);
  EXPECT_EQ(row[0][1].as<int64_t>(), kAttempts / 2);
  EXPECT_EQ(row[0][0].as<int64_t>(), row[0][3].as<int64_t>());
  EXPECT_EQ(row[0][2].as<int64_t>(), row[0][4].as<int64_t>());
}

// Retries of one submission racing each other (a client that timed out and
// re-sent, several times): the first runs, the others wait for it and replay
// its response. Checked in the database, not only through the API.
TEST_F(AttemptServiceTest, ConcurrentRetriesWithOneRequestIdCountOnce) {
  constexpr int kRetries = 8;
  constexpr int kAttempts = 3;
  for (int round = 0; round < kAttempts; ++round) {
    SCOPED_TRACE(round);
    Attempt attempt = Start(Published().id(), player_);
    const std::string request_id = api::NewUuidV4();
    std::vector<SubmitAttemptResponse> responses(kRetries);
    std::vector<grpc::Status> statuses(kRetries);
    RunTogether(kRetries, [&](int i) {
      statuses[i] = Submit(attempt.id(), "Nc7+", player_, &responses[i], request_id);
    });
    for (int i = 0; i < kRetries; ++i) {
      ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
      EXPECT_EQ(responses[i].SerializeAsString(), responses[0].SerializeAsString())
          << "retry " << i << " was not a replay of the first";
    }
    EXPECT_EQ(responses[0].attempt().verdict(), VERDICT_CORRECT);

    pqxx::result row = QueryPrimary(
        kDatabase, "SELECT verdict, score FROM puzzle_attempts WHERE id = $1", attempt.id());
    ASSERT_EQ(row.size(), 1u);
    EXPECT_EQ(row[0][0].as<std::string>(), "correct");
    EXPECT_EQ(row[0][1].as<int64_t>(), responses[0].attempt().score());
    std::vector<::events::v1::EventEnvelope> events = OutboxEvents(kDatabase, attempt.id());
    ASSERT_EQ(events.size(), 1u) << "one solve, one event";
    EXPECT_EQ(events[0].type(), "quest.v1.PuzzleSolved");
  }

  // Every total equals the sum of the user's attempt scores, in SQL.
  const int64_t sum = QueryPrimary(kDatabase,
                                   "SELECT coalesce(sum(score), 0)::bigint FROM puzzle_attempts "
                                   "WHERE user_id = $1",
                                   player_)[0][0]
                          .as<int64_t>();
  EXPECT_GT(sum, 0);
  pqxx::result progress = QueryPrimary(
      kDatabase,
      "SELECT attempt_count, solved_count, total_score FROM user_progress WHERE user_id = $1",
      player_);
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0][0].as<int64_t>(), kAttempts);
  EXPECT_EQ(progress[0][1].as<int64_t>(), kAttempts);
  EXPECT_EQ(progress[0][2].as<int64_t>(), sum);
  // Per kind of period (all time, ISO weeks, UTC days), summed so that a run
  // across midnight still adds up.
  pqxx::result boards =
      QueryPrimary(kDatabase,
                   "SELECT left(period, 1) AS kind, sum(score)::bigint FROM leaderboard_scores "
                   "WHERE user_id = $1 GROUP BY kind ORDER BY kind",
                   player_);
  ASSERT_EQ(boards.size(), 3u) << "all, daily and weekly rows";
  for (const pqxx::row& board : boards) {
    EXPECT_EQ(board[1].as<int64_t>(), sum) << "period kind " << board[0].c_str();
  }
}

// Two first attempts at one puzzle, submitted at the same moment: only one
// of them may rate the user (and the puzzle).
TEST_F(AttemptServiceTest, SimultaneousFirstAttemptsRateTheUserOnce) {
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(round);
    Puzzle puzzle = Published();
    const std::string first = Start(puzzle.id(), player_).id();
    const std::string second = Start(puzzle.id(), player_).id();
    std::vector<grpc::Status> statuses(2);
    std::vector<SubmitAttemptResponse> responses(2);
    RunTogether(2, [&](int i) {
      statuses[i] = Submit(i == 0 ? first : second, i == 0 ? "Nc7+" : "no", player_, &responses[i]);
    });
    ASSERT_TRUE(statuses[0].ok()) << statuses[0].error_message();
    ASSERT_TRUE(statuses[1].ok()) << statuses[1].error_message();
    EXPECT_NE(responses[0].attempt().rated(), responses[1].attempt().rated());
    EXPECT_EQ(QueryPrimary(kDatabase,
                           "SELECT count(*) FROM puzzle_attempts "
                           "WHERE user_id = $1 AND puzzle_id = $2 AND rated",
                           player_, puzzle.id())[0][0]
                  .as<int>(),
              1)
        << "rated twice, or never";
  }
}

TEST_F(AttemptServiceTest, OnlyTheOwnerMaySubmitAndOnlyPublishedPuzzlesArePlayable) {
  Puzzle puzzle = Published();
  Attempt attempt = Start(puzzle.id(), player_);
  SubmitAttemptResponse out;
  EXPECT_EQ(Submit(attempt.id(), "Nc7+", author_, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  Puzzle draft = Create(NewPuzzle(), author_);
  StartAttemptRequest request;
  request.set_puzzle_id(draft.id());
  Attempt ignored;
  EXPECT_EQ(attempts_->StartAttempt(As(player_).get(), request, &ignored).error_code(),
            grpc::StatusCode::NOT_FOUND)
      << "someone else's draft does not exist";
  EXPECT_EQ(attempts_->StartAttempt(As(author_).get(), request, &ignored).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(AttemptServiceTest, BadInputIsRejectedPrecisely) {
  Attempt ignored;
  StartAttemptRequest start;
  start.set_puzzle_id("x");
  EXPECT_EQ(attempts_->StartAttempt(As(player_).get(), start, &ignored).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  start.set_puzzle_id(api::NewUuidV4());
  EXPECT_EQ(attempts_->StartAttempt(As(player_).get(), start, &ignored).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(attempts_->StartAttempt(As("").get(), start, &ignored).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  SubmitAttemptResponse out;
  EXPECT_EQ(Submit(api::NewUuidV4(), "a", player_, &out).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::Status no_id = [&] {
    SubmitAttemptRequest request;
    request.set_attempt_id(api::NewUuidV4());
    return attempts_->SubmitAttempt(As(player_).get(), request, &out);
  }();
  EXPECT_EQ(no_id.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(no_id.error_message().rfind("request_id:", 0), 0u);
  Attempt attempt = Start(Published().id(), player_);
  grpc::Status big = Submit(attempt.id(), std::string(5000, 'x'), player_, &out);
  EXPECT_EQ(big.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(big.error_message().rfind("answer:", 0), 0u);
  EXPECT_EQ(Progress(player_).attempt_count(), 0) << "rejected input changed progress";

  GetUserProgressRequest progress;
  progress.set_user_id("nobody");
  UserProgress ignored_progress;
  EXPECT_EQ(attempts_->GetUserProgress(As(player_).get(), progress, &ignored_progress).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AttemptServiceTest, ListAttemptsPagesTheUsersOwnHistoryNewestFirst) {
  std::vector<std::string> started;
  for (int i = 0; i < 5; ++i) started.push_back(Start(Published().id(), player_).id());
  Start(Published().id(), author_);  // someone else's
  ListAttemptsRequest request;
  request.set_page_size(2);
  std::vector<std::string> listed;
  ASSERT_TRUE(Eventually([&] {
    listed.clear();
    ListAttemptsRequest page_request = request;
    while (true) {
      ListAttemptsResponse page;
      if (!attempts_->ListAttempts(As(player_).get(), page_request, &page).ok()) return false;
      for (const Attempt& a : page.attempts()) listed.push_back(a.id());
      if (page.next_page_token().empty()) break;
      page_request.set_page_token(page.next_page_token());
    }
    return listed.size() == started.size();
  }));
  std::vector<std::string> newest_first(started.rbegin(), started.rend());
  EXPECT_EQ(listed, newest_first);

  // Someone else's page token does not work for me.
  ListAttemptsResponse page;
  ASSERT_TRUE(attempts_->ListAttempts(As(player_).get(), request, &page).ok());
  request.set_page_token(page.next_page_token());
  EXPECT_EQ(attempts_->ListAttempts(As(author_).get(), request, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace qs::testing
