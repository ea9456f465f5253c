// The real quest server against a PostgreSQL primary + replica this test
// owns (PrivateCluster), under a mixed load of reads (GetPuzzle: the async
// lookup path; ListPuzzles: an async query) and writes (StartAttempt +
// SubmitAttempt), while the replica, then both nodes, go down and come back.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/ops/v1/diagnostics.grpc.pb.h"
#include "proto/quest/v1/attempts.grpc.pb.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "tests/support/eventually.h"
#include "tests/support/private_cluster.h"
#include "tests/support/service_process.h"

namespace qs::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kPrimaryPort = 15510;
constexpr int kReplicaPort = 15511;

std::unique_ptr<grpc::ClientContext> As(const std::string& user) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("x-user-id", user);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return context;
}

// The calls of the load, by kind, with the worst status and latency seen.
struct LoadResult {
  int calls = 0;
  int failures = 0;
  std::string first_failure;
  absl::Duration slowest = absl::ZeroDuration();
};

class ReplicaOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<PrivateCluster>> started =
        PrivateCluster::Start(kPrimaryPort, kReplicaPort);
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = *std::move(started);
    std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("quest");
    env["DB_PORT"] = std::to_string(kPrimaryPort);
    env["DB_READ_PORT"] = std::to_string(kReplicaPort);
    env["DB_PASSWORD"] = cluster_->service_password("quest");
    env["DB_CONNECT_TIMEOUT_MS"] = "3000";
    if (const std::string owner = cluster_->owner_password("quest"); !owner.empty()) {
      env["DB_MIGRATION_USER"] = "quest_owner";
      env["DB_MIGRATION_PASSWORD"] = owner;
    } else {
      env.erase("DB_MIGRATION_USER");
      env.erase("DB_MIGRATION_PASSWORD");
    }
    server_ = ServiceProcess::Start(std::getenv("QUEST_BINARY"), env);
    ASSERT_TRUE(server_->WaitUntilServing(absl::Seconds(30))) << server_->Log();
    channel_ = FastReconnectChannel(server_->address(), grpc::InsecureChannelCredentials());
    puzzles_ = ::quest::v1::PuzzleService::NewStub(channel_);
    attempts_ = ::quest::v1::AttemptService::NewStub(channel_);
    diagnostics_ = ::ops::v1::Diagnostics::NewStub(channel_);

    ::quest::v1::CreatePuzzleRequest create;
    create.set_title("Knight fork");
    create.set_kind(::quest::v1::PUZZLE_KIND_CHESS);
    create.add_themes(theme_);
    create.set_rating(1500);
    create.set_content("position");
    create.set_solution("Nc7+");
    create.set_publish(true);
    ASSERT_TRUE(puzzles_->CreatePuzzle(As(author_).get(), create, &puzzle_).ok());
  }

  void TearDown() override {
    StopLoad();
    if (server_) {
      server_->Signal(SIGTERM);
      server_->WaitForExit(absl::Seconds(15));
    }
  }

  ::ops::v1::GetServiceInfoResponse Info() {
    ::ops::v1::GetServiceInfoResponse info;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Status status =
        diagnostics_->GetServiceInfo(&context, ::ops::v1::GetServiceInfoRequest(), &info);
    if (!status.ok()) info.set_service("error: " + status.error_message());
    return info;
  }
  // Whether reads are served by the replica now (GetServiceInfo's read node
  // is asked through the router) and nothing says otherwise.
  bool ReadsOnReplica() {
    ::ops::v1::GetServiceInfoResponse info = Info();
    if (info.nodes_size() != 2 || !info.nodes(1).in_recovery()) return false;
    for (const auto& degradation : info.degradations()) {
      if (degradation.component() == "db:reads") return false;
    }
    return true;
  }
  std::string ReadsDegradation() {
    const ::ops::v1::GetServiceInfoResponse info = Info();
    for (const auto& degradation : info.degradations()) {
      if (degradation.component() == "db:reads") return degradation.detail();
    }
    return "";
  }

  grpc::Status Read() {
    ::quest::v1::GetPuzzleRequest get;
    get.set_puzzle_id(puzzle_.id());
    ::quest::v1::Puzzle puzzle;
    grpc::Status status = puzzles_->GetPuzzle(As(player_).get(), get, &puzzle);
    if (!status.ok()) return status;
    ::quest::v1::ListPuzzlesRequest list;
    list.set_theme(theme_);
    ::quest::v1::ListPuzzlesResponse page;
    status = puzzles_->ListPuzzles(As(player_).get(), list, &page);
    if (status.ok() && page.puzzles_size() != 1) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "the feed lost the puzzle");
    }
    return status;
  }
  grpc::Status Write() {
    const std::string user = api::NewUuidV4();
    ::quest::v1::StartAttemptRequest start;
    start.set_puzzle_id(puzzle_.id());
    ::quest::v1::Attempt attempt;
    grpc::Status status = attempts_->StartAttempt(As(user).get(), start, &attempt);
    if (!status.ok()) return status;
    ::quest::v1::SubmitAttemptRequest submit;
    submit.set_attempt_id(attempt.id());
    submit.set_answer("Nc7+");
    submit.set_request_id(api::NewUuidV4());
    ::quest::v1::SubmitAttemptResponse response;
    return attempts_->SubmitAttempt(As(user).get(), submit, &response);
  }

  void StartLoad() {
    for (auto [kind, call] :
         {std::pair<int, grpc::Status (ReplicaOutageTest::*)()>{0, &ReplicaOutageTest::Read},
          {1, &ReplicaOutageTest::Read},
          {2, &ReplicaOutageTest::Write}}) {
      load_.emplace_back([this, kind = kind, call = call] {
        while (!stop_load_.load()) {
          const absl::Time start = absl::Now();
          grpc::Status status = (this->*call)();
          const absl::Duration took = absl::Now() - start;
          std::lock_guard<std::mutex> lock(results_mutex_);
          LoadResult& result = kind == 2 ? writes_ : reads_;
          ++result.calls;
          result.slowest = std::max(result.slowest, took);
          if (!status.ok() && result.failures++ == 0) {
            result.first_failure = absl::StrCat(status.error_code(), ": ", status.error_message());
          }
        }
      });
    }
  }
  void StopLoad() {
    stop_load_ = true;
    for (std::thread& thread : load_) thread.join();
    load_.clear();
    stop_load_ = false;
  }
  std::pair<LoadResult, LoadResult> TakeResults() {
    std::lock_guard<std::mutex> lock(results_mutex_);
    std::pair<LoadResult, LoadResult> taken{reads_, writes_};
    reads_ = writes_ = LoadResult();
    return taken;
  }

  std::unique_ptr<PrivateCluster> cluster_;
  std::unique_ptr<ServiceProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<::quest::v1::PuzzleService::Stub> puzzles_;
  std::unique_ptr<::quest::v1::AttemptService::Stub> attempts_;
  std::unique_ptr<::ops::v1::Diagnostics::Stub> diagnostics_;
  const std::string author_ = api::NewUuidV4();
  const std::string player_ = api::NewUuidV4();
  const std::string theme_ = "outage-" + api::NewUuidV4().substr(0, 8);
  ::quest::v1::Puzzle puzzle_;

  std::vector<std::thread> load_;
  std::atomic<bool> stop_load_{false};
  std::mutex results_mutex_;
  LoadResult reads_, writes_;
};

TEST_F(ReplicaOutageTest, ReadsSurviveTheReplicaAndBothDownIsNotServingUntilBothAreBack) {
  ASSERT_TRUE(Eventually([&] { return ReadsOnReplica(); }, absl::Seconds(10)))
      << Info().DebugString();

  // The replica goes under load: no call fails, none waits a second.
  StartLoad();
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_TRUE(cluster_->StopReplica().ok());
  absl::SleepFor(absl::Seconds(3));
  auto [reads_down, writes_down] = TakeResults();
  EXPECT_EQ(reads_down.failures, 0) << reads_down.first_failure;
  EXPECT_EQ(writes_down.failures, 0) << writes_down.first_failure;
  EXPECT_LT(reads_down.slowest, absl::Seconds(1));
  EXPECT_LT(writes_down.slowest, absl::Seconds(1));
  EXPECT_GT(reads_down.calls, 20);
  EXPECT_GT(writes_down.calls, 10);
  EXPECT_EQ(CheckHealth(channel_), "SERVING");
  EXPECT_THAT(ReadsDegradation(), HasSubstr("reads on primary: replica down since 20"));
  ::ops::v1::GetServiceInfoResponse down = Info();
  ASSERT_EQ(down.nodes_size(), 2) << down.service();
  EXPECT_FALSE(down.nodes(1).in_recovery()) << "the read node's answer came from the primary";
  RecordProperty("reads_while_replica_down", reads_down.calls);
  RecordProperty("slowest_read_ms_while_replica_down",
                 static_cast<int>(absl::ToInt64Milliseconds(reads_down.slowest)));

  // Back: reads return to it, still without a failure.
  ASSERT_TRUE(cluster_->StartReplica().ok());
  EXPECT_TRUE(Eventually([&] { return ReadsOnReplica(); }, absl::Seconds(10)))
      << Info().DebugString();
  EXPECT_TRUE(Eventually(
      [&] {
        return cluster_->CountBackends(PrivateCluster::Node::kReplica, "quest-read-async")
                   .value_or(0) > 0;
      },
      absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(500));
  StopLoad();
  auto [reads_back, writes_back] = TakeResults();
  EXPECT_EQ(reads_back.failures, 0) << reads_back.first_failure;
  EXPECT_EQ(writes_back.failures, 0) << writes_back.first_failure;
  EXPECT_EQ(ReadsDegradation(), "");

  // Both down: UNAVAILABLE and NOT_SERVING.
  ASSERT_TRUE(cluster_->StopReplica().ok());
  ASSERT_TRUE(cluster_->StopPrimary().ok());
  EXPECT_EQ(Read().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Write().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(Eventually([&] { return CheckHealth(channel_) == "NOT_SERVING"; }, absl::Seconds(5)));
  EXPECT_EQ(CheckHealth(channel_, "quest.v1.PuzzleService"), "NOT_SERVING");

  // Both back: SERVING again, same process.
  ASSERT_TRUE(cluster_->StartPrimary().ok());
  ASSERT_TRUE(cluster_->StartReplica().ok());
  EXPECT_TRUE(Eventually([&] { return CheckHealth(channel_) == "SERVING"; }, absl::Seconds(10)));
  EXPECT_TRUE(Eventually([&] { return Write().ok(); }, absl::Seconds(5)));
  EXPECT_TRUE(Eventually([&] { return Read().ok(); }, absl::Seconds(5)));
  EXPECT_TRUE(Eventually([&] { return ReadsOnReplica(); }, absl::Seconds(10)))
      << Info().DebugString();
  EXPECT_FALSE(server_->WaitForExit(absl::ZeroDuration()).has_value()) << "the server restarted";
}

}  // namespace
}  // namespace qs::testing
