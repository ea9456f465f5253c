// quest's hot reads (GetPuzzle, ListPuzzles, GetLeaderboard,
// GetLeaderboardAroundUser) on the async read path, end to end: a quest
// server of its own with a single worker thread, on a scratch database. They
// answer while that worker is held, and a ListPuzzles stuck on the replica
// ends at its caller's deadline (or cancellation) without taking the worker.
#include <signal.h>

#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/api/uuid.h"
#include "proto/ops/v1/diagnostics.grpc.pb.h"
#include "tests/quest/quest_server_fixture.h"
#include "tests/support/replayed_table_lock.h"

namespace qs::testing {
namespace {

using namespace ::quest::v1;  // NOLINT

class QuestHotReadsTest : public ServiceFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(scratch_.Migrate({"migrations/common", "migrations/quest"}).ok());
    // The replica has the schema before the server's first read.
    const TestInfra& infra = TestInfra::Get();
    ASSERT_TRUE(Eventually([&] {
      try {
        pqxx::connection replica(infra.AdminConnectionString(infra.replica_port, scratch_.name()));
        return pqxx::nontransaction(replica)
            .exec1("SELECT to_regclass('leaderboard_scores') IS NOT NULL")[0]
            .as<bool>();
      } catch (const std::exception&) {
        return false;  // the database is not replayed yet
      }
    }));
    server_ = StartService("quest", {{"DB_NAME", scratch_.name()}, {"GRPC_WORKER_THREADS", "1"}});
    auto channel = ChannelTo(*server_);
    puzzles_ = PuzzleService::NewStub(channel);
    leaderboards_ = LeaderboardService::NewStub(channel);
    diagnostics_ = ::ops::v1::Diagnostics::NewStub(channel);

    CreatePuzzleRequest create;
    create.set_title("Back rank");
    create.set_kind(PUZZLE_KIND_CHESS);
    create.add_themes("mate");
    create.set_rating(1500);
    create.set_content("position");
    create.set_solution("Re8#");
    create.set_publish(true);
    grpc::Status created = puzzles_->CreatePuzzle(As(author_).get(), create, &puzzle_);
    ASSERT_TRUE(created.ok()) << created.error_message();
    Sql("INSERT INTO leaderboard_scores (period, user_id, score) "
        "VALUES ('all', $1, 30), ('all', $2, 20), ('all', $3, 10)",
        author_, player_, api::NewUuidV4());
    // Everything is on the replica.
    ASSERT_TRUE(Eventually([&] {
      ListPuzzlesResponse page;
      GetLeaderboardResponse board;
      return ListPuzzles(absl::Seconds(5), &page).ok() && page.puzzles_size() == 1 &&
             GetLeaderboard(absl::Seconds(5), &board).ok() && board.entries_size() == 3;
    }));
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "---- quest server log ----\n" << server_->Log();
  }

  template <typename... Args>
  pqxx::result Sql(const std::string& sql, Args&&... args) {
    pqxx::connection connection(scratch_.Conninfo());
    return pqxx::nontransaction(connection).exec_params(sql, std::forward<Args>(args)...);
  }

  grpc::Status ListPuzzles(absl::Duration timeout, ListPuzzlesResponse* out) {
    return puzzles_->ListPuzzles(As(player_, timeout).get(), ListPuzzlesRequest(), out);
  }
  grpc::Status GetLeaderboard(absl::Duration timeout, GetLeaderboardResponse* out) {
    GetLeaderboardRequest request;
    request.set_period(LEADERBOARD_PERIOD_ALL_TIME);
    return leaderboards_->GetLeaderboard(As(player_, timeout).get(), request, out);
  }
  // A blocking method: it needs the worker. Held on the read node for `hold`.
  grpc::Status Probe(absl::Duration hold, absl::Duration timeout) {
    ::ops::v1::ProbeRequest request;
    request.set_hold_ms(static_cast<int>(absl::ToInt64Milliseconds(hold)));
    ::ops::v1::ProbeResponse response;
    return diagnostics_->Probe(As("", timeout).get(), request, &response);
  }

  // Statements sleeping in `database` on the read node (the Probe's pg_sleep).
  static int SleepingOnReplica(const std::string& database) {
    const TestInfra& infra = TestInfra::Get();
    pqxx::connection replica(infra.AdminConnectionString(infra.replica_port, "postgres"));
    return pqxx::nontransaction(replica)
        .exec_params(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
            "AND state = 'active' AND query LIKE '%pg_sleep%'",
            database)[0][0]
        .as<int>();
  }

  ScratchDatabase scratch_{"quest"};
  std::unique_ptr<ServiceProcess> server_;
  std::unique_ptr<PuzzleService::Stub> puzzles_;
  std::unique_ptr<LeaderboardService::Stub> leaderboards_;
  std::unique_ptr<::ops::v1::Diagnostics::Stub> diagnostics_;
  const std::string author_ = api::NewUuidV4();
  const std::string player_ = api::NewUuidV4();
  Puzzle puzzle_;
};

TEST_F(QuestHotReadsTest, HotReadsAnswerWhileTheOnlyWorkerIsHeld) {
  auto held =
      std::async(std::launch::async, [&] { return Probe(absl::Seconds(3), absl::Seconds(10)); });
  // The probe has the worker once its pg_sleep runs (this test's own
  // scratch database: no other server's).
  ASSERT_TRUE(Eventually([&] { return SleepingOnReplica(scratch_.name()) > 0; }))
      << "the holding probe never reached the database";
  // The control: a blocking call waits for the worker past its deadline.
  EXPECT_EQ(Probe(absl::ZeroDuration(), absl::Milliseconds(500)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED)
      << "the worker was not held";

  const absl::Duration timeout = absl::Seconds(1);
  ListPuzzlesResponse page;
  grpc::Status listed = ListPuzzles(timeout, &page);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  ASSERT_EQ(page.puzzles_size(), 1);
  EXPECT_EQ(page.puzzles(0).id(), puzzle_.id());

  GetLeaderboardResponse board;
  grpc::Status ranked = GetLeaderboard(timeout, &board);
  ASSERT_TRUE(ranked.ok()) << ranked.error_message();
  ASSERT_EQ(board.entries_size(), 3);
  EXPECT_EQ(board.entries(0).user_id(), author_);
  EXPECT_EQ(board.entries(2).rank(), 3);

  GetLeaderboardAroundUserRequest around;
  around.set_period(LEADERBOARD_PERIOD_ALL_TIME);
  around.set_radius(1);
  GetLeaderboardAroundUserResponse neighbourhood;
  grpc::Status near =
      leaderboards_->GetLeaderboardAroundUser(As(player_, timeout).get(), around, &neighbourhood);
  ASSERT_TRUE(near.ok()) << near.error_message();
  ASSERT_EQ(neighbourhood.entries_size(), 3);
  EXPECT_EQ(neighbourhood.entries(1).user_id(), player_);
  EXPECT_EQ(neighbourhood.entries(1).rank(), 2);

  GetPuzzleRequest get;
  get.set_puzzle_id(puzzle_.id());
  Puzzle fetched;
  EXPECT_TRUE(puzzles_->GetPuzzle(As(player_, timeout).get(), get, &fetched).ok());

  grpc::Status probe = held.get();
  EXPECT_TRUE(probe.ok()) << probe.error_message();
}

// An ACCESS EXCLUSIVE lock on the primary is replayed on the replica, where
// it blocks every read of the table until it is released: the feed's
// statement is out and does not come back.
TEST_F(QuestHotReadsTest, AStuckListEndsAtItsDeadlineOrCancelWithoutTakingTheWorker) {
  ReplayedTableLock lock(scratch_.Conninfo(), "puzzles");
  ASSERT_TRUE(lock.replayed()) << "the lock never reached the replica";

  const absl::Time start = absl::Now();
  ListPuzzlesResponse page;
  EXPECT_EQ(ListPuzzles(absl::Milliseconds(300), &page).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));

  auto context = As(player_, absl::Seconds(10));
  auto cancelled = std::async(std::launch::async, [&] {
    ListPuzzlesResponse ignored;
    return puzzles_->ListPuzzles(context.get(), ListPuzzlesRequest(), &ignored);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  context->TryCancel();
  EXPECT_EQ(cancelled.get().error_code(), grpc::StatusCode::CANCELLED);

  // Neither stuck call holds the only worker.
  grpc::Status probe = Probe(absl::ZeroDuration(), absl::Seconds(1));
  EXPECT_TRUE(probe.ok()) << probe.error_message();

  lock.Release();
  EXPECT_TRUE(Eventually([&] {
    page.Clear();
    return ListPuzzles(absl::Seconds(1), &page).ok() && page.puzzles_size() == 1;
  })) << "the feed did not come back once the lock was gone";
}

// A read still out on the async path when the drain deadline passes is
// answered UNAVAILABLE (reads are safe to retry elsewhere) while the serving
// core still exists, and the process exits 0: its answer never arrives
// after the handlers and the core are gone.
TEST_F(QuestHotReadsTest, AReadStuckPastTheDrainDeadlineIsAnsweredUnavailable) {
  auto draining =
      StartService("quest", {{"DB_NAME", scratch_.name()}, {"GRPC_DRAIN_TIMEOUT_MS", "300"}});
  auto puzzles = PuzzleService::NewStub(ChannelTo(*draining));
  ReplayedTableLock lock(scratch_.Conninfo(), "puzzles");
  ASSERT_TRUE(lock.replayed()) << "the lock never reached the replica";
  auto stuck = std::async(std::launch::async, [&] {
    ListPuzzlesResponse ignored;
    return puzzles->ListPuzzles(As(player_, absl::Seconds(20)).get(), ListPuzzlesRequest(),
                                &ignored);
  });
  // The feed statement waits for the lock on the replica.
  const TestInfra& infra = TestInfra::Get();
  pqxx::connection replica(infra.AdminConnectionString(infra.replica_port, "postgres"));
  ASSERT_TRUE(Eventually([&] {
    return pqxx::nontransaction(replica)
               .exec_params1(
                   "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
                   "AND application_name = 'quest-read-async' "
                   "AND wait_event_type = 'Lock'",
                   scratch_.name())[0]
               .as<int>() > 0;
  })) << "the list never waited on the replica";

  const absl::Time signalled = absl::Now();
  draining->Signal(SIGTERM);
  grpc::Status answered = stuck.get();
  EXPECT_EQ(answered.error_code(), grpc::StatusCode::UNAVAILABLE) << answered.error_message();
  std::optional<int> exit_code = draining->WaitForExit(absl::Seconds(10));
  ASSERT_TRUE(exit_code.has_value()) << draining->Log();
  EXPECT_EQ(*exit_code, 0) << draining->Log();
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(5)) << draining->Log();
}

}  // namespace
}  // namespace qs::testing
