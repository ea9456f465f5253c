// A real quest server shared by the tests of one binary, plus the helpers
// every quest end-to-end test needs: a context acting as a user, polling
// for replica catch-up, and a published puzzle to play.
#ifndef QS_TESTS_QUEST_QUEST_SERVER_FIXTURE_H_
#define QS_TESTS_QUEST_QUEST_SERVER_FIXTURE_H_

#include <chrono>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/events/v1/events.pb.h"
#include "proto/quest/v1/attempts.grpc.pb.h"
#include "proto/quest/v1/events.pb.h"
#include "proto/quest/v1/leaderboards.grpc.pb.h"
#include "proto/quest/v1/matches.grpc.pb.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_infra.h"

namespace qs::testing {

class QuestServerFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = ServiceProcess::Start(std::getenv("QUEST_BINARY"),
                                    ServiceProcess::DefaultEnv("quest"))
                  .release();
    ASSERT_TRUE(server_->WaitUntilServing(absl::Seconds(30))) << server_->Log();
    auto channel =
        grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    puzzles_ = ::quest::v1::PuzzleService::NewStub(channel).release();
    attempts_ = ::quest::v1::AttemptService::NewStub(channel).release();
    leaderboards_ = ::quest::v1::LeaderboardService::NewStub(channel).release();
    matches_ = ::quest::v1::MatchService::NewStub(channel).release();
  }
  static void TearDownTestSuite() {
    // The server's side of any failure (e.g. the cause of an INTERNAL).
    if (::testing::UnitTest::GetInstance()->Failed()) {
      std::cerr << "---- quest server log ----\n" << server_->Log();
    }
    delete puzzles_;
    delete attempts_;
    delete leaderboards_;
    delete matches_;
    delete server_;
  }

  // A context acting as `user` ("" sends no x-user-id).
  static std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!user.empty()) context->AddMetadata("x-user-id", user);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  // Reads from the replica trail the primary a little: polls until
  // `predicate` holds (or 10 s pass).
  static bool Eventually(const std::function<bool()>& predicate) {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (predicate()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return predicate();
  }

  // The envelopes in quest_db's outbox about `aggregate_id`, oldest first.
  static std::vector<::events::v1::EventEnvelope> OutboxEvents(const std::string& aggregate_id) {
    const TestInfra& infra = TestInfra::Get();
    pqxx::connection connection(infra.AdminConnectionString(infra.primary_port, "quest_db"));
    pqxx::read_transaction tx(connection);
    std::vector<::events::v1::EventEnvelope> events;
    for (const auto& row : tx.exec_params(
             "SELECT envelope FROM outbox_events WHERE aggregate_id = $1 ORDER BY created_at",
             aggregate_id)) {
      pqxx::binarystring bytes(row[0]);
      events.emplace_back().ParseFromString(bytes.str());
    }
    return events;
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
  ::quest::v1::SubmitAttemptResponse Solve(const std::string& puzzle_id,
                                           const std::string& user,
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

  static ServiceProcess* server_;
  static ::quest::v1::PuzzleService::Stub* puzzles_;
  static ::quest::v1::AttemptService::Stub* attempts_;
  static ::quest::v1::LeaderboardService::Stub* leaderboards_;
  static ::quest::v1::MatchService::Stub* matches_;
  const std::string author_ = api::NewUuidV4();
  const std::string player_ = api::NewUuidV4();
  // A theme of this test alone: feed queries filtered by it see only our rows.
  const std::string theme_ = "t-" + UniqueSuffix();
};

inline ServiceProcess* QuestServerFixture::server_ = nullptr;
inline ::quest::v1::PuzzleService::Stub* QuestServerFixture::puzzles_ = nullptr;
inline ::quest::v1::AttemptService::Stub* QuestServerFixture::attempts_ = nullptr;
inline ::quest::v1::LeaderboardService::Stub* QuestServerFixture::leaderboards_ = nullptr;
inline ::quest::v1::MatchService::Stub* QuestServerFixture::matches_ = nullptr;

}  // namespace qs::testing

#endif  // QS_TESTS_QUEST_QUEST_SERVER_FIXTURE_H_
