// The quest service's end-to-end fixture: a real quest server shared by the
// tests of one suite (ServiceFixture: child process, As(user), Eventually,
// SQL and the outbox), its four stubs, and the puzzle helpers every quest
// test needs (a published puzzle to play, a solve).
#ifndef QS_TESTS_QUEST_QUEST_SERVER_FIXTURE_H_
#define QS_TESTS_QUEST_QUEST_SERVER_FIXTURE_H_

#include <map>
#include <memory>
#include <string>

#include "common/api/uuid.h"
#include "gtest/gtest.h"
#include "proto/quest/v1/attempts.grpc.pb.h"
#include "proto/quest/v1/events.pb.h"
#include "proto/quest/v1/leaderboards.grpc.pb.h"
#include "proto/quest/v1/matches.grpc.pb.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "tests/support/service_fixture.h"
#include "tests/support/test_infra.h"

namespace qs::testing {

class QuestServerFixture : public ServiceFixture {
 protected:
  static constexpr const char* kDatabase = "quest_db";

  // The puzzle period jobs at their fastest (puzzle_period_job.h), so that
  // a test sees a puzzle's rating and play count move within about 2 s.
  static std::map<std::string, std::string> FastPuzzlePeriods() {
    return {{"PUZZLE_RATING_PERIOD_SECONDS", "1"}, {"PUZZLE_PLAYS_FOLD_SECONDS", "1"}};
  }

  static void SetUpTestSuite() {
    StartSharedServer("quest", FastPuzzlePeriods());
    puzzles_ = ::quest::v1::PuzzleService::NewStub(channel());
    attempts_ = ::quest::v1::AttemptService::NewStub(channel());
    leaderboards_ = ::quest::v1::LeaderboardService::NewStub(channel());
    matches_ = ::quest::v1::MatchService::NewStub(channel());
  }
  static void TearDownTestSuite() {
    puzzles_.reset();
    attempts_.reset();
    leaderboards_.reset();
    matches_.reset();
    StopSharedServer();
  }

  grpc::Status GetPuzzle(const std::string& id, const std::string& user, ::quest::v1::Puzzle* out) {
    ::quest::v1::GetPuzzleRequest request;
    request.set_puzzle_id(id);
    return puzzles_->GetPuzzle(As(user).get(), request, out);
  }

  ::quest::v1::CreatePuzzleRequest NewPuzzle(const std::string& title = "Knight fork") {
    ::quest::v1::CreatePuzzleRequest request;
    request.set_title(title);
    request.set_kind(::quest::v1::PUZZLE_KIND_CHESS);
    request.add_themes(theme_);
    request.set_rating(1500);
    request.set_content("position");
    request.set_solution("Nc7+");
    return request;
  }

  ::quest::v1::Puzzle Create(const ::quest::v1::CreatePuzzleRequest& request,
                             const std::string& user) {
    ::quest::v1::Puzzle puzzle;
    grpc::Status status = puzzles_->CreatePuzzle(As(user).get(), request, &puzzle);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return puzzle;
  }

  ::quest::v1::Puzzle Published(int rating = 1500) {
    ::quest::v1::CreatePuzzleRequest request = NewPuzzle();
    request.set_publish(true);
    request.set_rating(rating);
    return Create(request, author_);
  }

  // Starts and correctly submits an attempt at `puzzle_id` as `user`.
  ::quest::v1::SubmitAttemptResponse Solve(const std::string& puzzle_id, const std::string& user,
                                           const std::string& answer = "Nc7+") {
    ::quest::v1::StartAttemptRequest start;
    start.set_puzzle_id(puzzle_id);
    ::quest::v1::Attempt attempt;
    EXPECT_TRUE(attempts_->StartAttempt(As(user).get(), start, &attempt).ok());
    ::quest::v1::SubmitAttemptRequest submit;
    submit.set_attempt_id(attempt.id());
    submit.set_answer(answer);
    submit.set_request_id(api::NewUuidV4());
    ::quest::v1::SubmitAttemptResponse response;
    grpc::Status status = attempts_->SubmitAttempt(As(user).get(), submit, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  inline static std::unique_ptr<::quest::v1::PuzzleService::Stub> puzzles_;
  inline static std::unique_ptr<::quest::v1::AttemptService::Stub> attempts_;
  inline static std::unique_ptr<::quest::v1::LeaderboardService::Stub> leaderboards_;
  inline static std::unique_ptr<::quest::v1::MatchService::Stub> matches_;
  const std::string author_ = api::NewUuidV4();
  const std::string player_ = api::NewUuidV4();
  // A theme of this test alone: feed queries filtered by it see only our rows.
  const std::string theme_ = "t-" + UniqueSuffix();
};

}  // namespace qs::testing

#endif  // QS_TESTS_QUEST_QUEST_SERVER_FIXTURE_H_
