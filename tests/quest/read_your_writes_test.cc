// Read-your-writes across calls and bounded staleness through the real quest
// server and a real gRPC client, against a primary + replica of the test's
// own (replay is paused there, which the shared servers must never see):
// - a successful write returns its commit LSN as the `x-db-lsn` trailer,
//   and a replica that has replayed that LSN has the write;
// - with replay paused, a read sending it back as `x-min-lsn` reflects the
//   write (from the primary), the same read without it does not (the
//   replica's stale row), and an x-min-lsn the replica has replayed is
//   served there;
// - a malformed or repeated x-min-lsn is INVALID_ARGUMENT and changes
//   nothing; failed writes and reads carry no trailer;
// - past DB_READ_MAX_LAG_MS of lag reads go to the primary, and back to the
//   replica once it caught up.
#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "common/db/lsn.h"
#include "gtest/gtest.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "tests/support/private_cluster.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

using namespace ::quest::v1;  // NOLINT
using Node = PrivateCluster::Node;

// One RPC's answer with its x-db-lsn trailers.
struct Answer {
  grpc::Status status;
  std::vector<std::string> db_lsn;
};

std::vector<std::string> DbLsnTrailers(const grpc::ClientContext& context) {
  std::vector<std::string> values;
  const auto [first, end] = context.GetServerTrailingMetadata().equal_range("x-db-lsn");
  for (auto it = first; it != end; ++it) values.emplace_back(it->second.data(), it->second.size());
  return values;
}

class ReadYourWritesTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<PrivateCluster>> started = PrivateCluster::Start();
    ASSERT_TRUE(started.ok()) << started.status();
    cluster_ = *std::move(started);
    ASSERT_TRUE(
        cluster_->AdminSql(Node::kPrimary, "CREATE TABLE lag_probe (n bigint)", "quest_db").ok());
    // A lag bound no test reaches: x-min-lsn alone decides.
    server_ = StartOnCluster({{"DB_READ_MAX_LAG_MS", "60000"}});
    puzzles_ = PuzzleService::NewStub(ChannelTo(*server_));
  }
  static void TearDownTestSuite() {
    if (server_ != nullptr && ::testing::UnitTest::GetInstance()->Failed()) {
      std::cerr << "---- quest server log ----\n" << server_->Log();
    }
    puzzles_.reset();
    server_.reset();
    cluster_.reset();
  }
  void SetUp() override { ASSERT_NE(puzzles_, nullptr); }
  void TearDown() override { (void)Replay("resume"); }

  // The quest server against the private cluster, its schema migrated by
  // the owner role at start-up as deployed.
  static std::unique_ptr<ServiceProcess> StartOnCluster(
      std::map<std::string, std::string> settings) {
    settings["DB_HOST"] = "127.0.0.1";
    settings["DB_PORT"] = std::to_string(cluster_->primary_port());
    settings["DB_READ_HOST"] = "127.0.0.1";
    settings["DB_READ_PORT"] = std::to_string(cluster_->replica_port());
    settings["DB_PASSWORD"] = cluster_->service_password("quest");
    settings["DB_MIGRATION_PASSWORD"] = Secret("QUEST_OWNER_PASSWORD");
    settings["DB_READ_LSN_WAIT_MS"] = "50";
    return StartService("quest", settings);
  }

  // A value of the cluster's secrets.env (deploy/infra.sh writes it).
  static std::string Secret(const std::string& name) {
    std::ifstream file(cluster_->state_dir() + "/secrets.env");
    std::string line;
    while (std::getline(file, line)) {
      if (absl::StartsWith(line, name + "=")) return line.substr(name.size() + 1);
    }
    ADD_FAILURE() << name << " not in " << cluster_->state_dir() << "/secrets.env";
    return "";
  }

  static absl::Status Replay(const std::string& pause_or_resume) {
    return cluster_->AdminSql(Node::kReplica, "SELECT pg_wal_replay_" + pause_or_resume + "()")
        .status();
  }

  static std::string OnReplica(const std::string& sql) {
    absl::StatusOr<std::string> value = cluster_->AdminSql(Node::kReplica, sql, "quest_db");
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : "";
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::vector<std::string>& min_lsn = {}) {
    std::unique_ptr<grpc::ClientContext> context = As(author_);
    for (const std::string& value : min_lsn) context->AddMetadata("x-min-lsn", value);
    return context;
  }

  Answer Create(const std::string& title, Puzzle* out, const std::vector<std::string>& min_lsn = {},
                int rating = 1500) {
    CreatePuzzleRequest request;
    request.set_title(title);
    request.set_kind(PUZZLE_KIND_CHESS);
    request.add_themes(theme_);
    request.set_rating(rating);
    request.set_content("position");
    request.set_solution("Nc7+");
    request.set_publish(true);
    auto context = Context(min_lsn);
    Answer answer{puzzles_->CreatePuzzle(context.get(), request, out)};
    answer.db_lsn = DbLsnTrailers(*context);
    return answer;
  }

  Answer Rename(const Puzzle& puzzle, const std::string& title, Puzzle* out) {
    UpdatePuzzleRequest request;
    request.set_puzzle_id(puzzle.id());
    request.set_version(puzzle.version());
    request.set_title(title);
    auto context = Context();
    Answer answer{puzzles_->UpdatePuzzle(context.get(), request, out)};
    answer.db_lsn = DbLsnTrailers(*context);
    return answer;
  }

  // The puzzle's title as GetPuzzle answers it ("" on error, with `answer`).
  std::string TitleOf(const std::string& id, const std::vector<std::string>& min_lsn = {},
                      Answer* answer = nullptr) {
    GetPuzzleRequest request;
    request.set_puzzle_id(id);
    Puzzle puzzle;
    auto context = Context(min_lsn);
    grpc::Status status = puzzles_->GetPuzzle(context.get(), request, &puzzle);
    if (answer != nullptr) *answer = {status, DbLsnTrailers(*context)};
    EXPECT_TRUE(status.ok() || answer != nullptr) << status.error_message();
    return status.ok() ? puzzle.title() : "";
  }

  // The titles of the feed's first page of this test's theme.
  std::vector<std::string> Feed(const std::vector<std::string>& min_lsn = {},
                                Answer* answer = nullptr) {
    ListPuzzlesRequest request;
    request.set_theme(theme_);
    ListPuzzlesResponse response;
    auto context = Context(min_lsn);
    grpc::Status status = puzzles_->ListPuzzles(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (answer != nullptr) *answer = {status, DbLsnTrailers(*context)};
    std::vector<std::string> titles;
    for (const Puzzle& puzzle : response.puzzles()) titles.push_back(puzzle.title());
    return titles;
  }

  // Waits until the replica itself has the puzzle under `title`.
  void AwaitOnReplica(const Puzzle& puzzle, const std::string& title) {
    ASSERT_TRUE(Eventually([&] {
      return OnReplica("SELECT title FROM puzzles WHERE id = '" + puzzle.id() + "'") == title;
    })) << title;
  }

  inline static std::unique_ptr<PrivateCluster> cluster_;
  inline static std::unique_ptr<ServiceProcess> server_;
  inline static std::unique_ptr<PuzzleService::Stub> puzzles_;
  const std::string author_ = api::NewUuidV4();
  const std::string theme_ = "t-" + UniqueSuffix();
};

TEST_F(ReadYourWritesTest, AWriteReturnsItsCommitLsnAndAReplicaThereHasTheWrite) {
  Puzzle created;
  Answer answer = Create("Knight fork", &created);
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  ASSERT_EQ(answer.db_lsn.size(), 1u);
  absl::StatusOr<uint64_t> lsn = db::ParseLsn(answer.db_lsn[0]);
  ASSERT_TRUE(lsn.ok()) << answer.db_lsn[0];
  EXPECT_EQ(db::FormatLsn(*lsn), answer.db_lsn[0]);  // PostgreSQL's own text form.
  // Once the replica has replayed that position (asked first), a later
  // statement there sees the write.
  ASSERT_TRUE(Eventually([&] {
    return OnReplica("SELECT pg_last_wal_replay_lsn() >= '" + answer.db_lsn[0] + "'") == "t";
  }));
  EXPECT_EQ(OnReplica("SELECT title FROM puzzles WHERE id = '" + created.id() + "'"),
            "Knight fork");
  // A later write of the same puzzle commits further on.
  Puzzle renamed;
  Answer second = Rename(created, "Knight fork II", &renamed);
  ASSERT_TRUE(second.status.ok()) << second.status.error_message();
  ASSERT_EQ(second.db_lsn.size(), 1u);
  EXPECT_GT(*db::ParseLsn(second.db_lsn[0]), *lsn);
}

TEST_F(ReadYourWritesTest, ReadWithMinLsnReflectsTheWriteWhileReplayIsPaused) {
  Puzzle created;
  Answer first = Create("Before", &created);
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  AwaitOnReplica(created, "Before");
  ASSERT_TRUE(Replay("pause").ok());
  Puzzle renamed;
  Answer write = Rename(created, "After", &renamed);
  ASSERT_TRUE(write.status.ok()) << write.status.error_message();
  ASSERT_EQ(write.db_lsn.size(), 1u);
  // Without the header the replica answers what it has: the old title
  // (this is what makes the test able to fail).
  EXPECT_EQ(TitleOf(created.id()), "Before");
  EXPECT_EQ(Feed(), std::vector<std::string>{"Before"});
  // With it, the write is reflected: the replica has not replayed it, so
  // the read went to the primary.
  EXPECT_EQ(TitleOf(created.id(), write.db_lsn), "After");
  EXPECT_EQ(Feed(write.db_lsn), std::vector<std::string>{"After"});
  // An x-min-lsn the replica has replayed is served there (stale but as
  // fresh as asked).
  EXPECT_TRUE(Eventually([&] { return TitleOf(created.id(), first.db_lsn) == "Before"; }));
  ASSERT_TRUE(Replay("resume").ok());
  EXPECT_TRUE(Eventually([&] { return TitleOf(created.id()) == "After"; }));
}

TEST_F(ReadYourWritesTest, MalformedOrRepeatedMinLsnIsInvalidArgumentAndChangesNothing) {
  Answer answer;
  EXPECT_EQ(TitleOf(api::NewUuidV4(), {"16-B374D848"}, &answer), "");
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(answer.status.error_message(), "x-min-lsn: "))
      << answer.status.error_message();
  EXPECT_EQ(TitleOf(api::NewUuidV4(), {"0/1", "0/2"}, &answer), "");
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(answer.status.error_message(), "x-min-lsn: "))
      << answer.status.error_message();

  const std::string title = "Refused " + UniqueSuffix();
  Puzzle out;
  answer = Create(title, &out, {"not an lsn"});
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(answer.db_lsn.empty());
  EXPECT_EQ(
      *cluster_->AdminSql(Node::kPrimary,
                          "SELECT count(*) FROM puzzles WHERE title = '" + title + "'", "quest_db"),
      "0");
}

TEST_F(ReadYourWritesTest, FailedWritesAndReadsCarryNoTrailer) {
  Puzzle out;
  Answer refused = Create("Bad rating", &out, {}, /*rating=*/0);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(refused.db_lsn.empty());

  Puzzle created;
  ASSERT_TRUE(Create("Versioned", &created).status.ok());
  Puzzle renamed;
  Answer rename = Rename(created, "Versioned II", &renamed);
  ASSERT_TRUE(rename.status.ok());
  Answer stale = Rename(created, "Versioned III", &out);  // The old version.
  EXPECT_EQ(stale.status.error_code(), grpc::StatusCode::ABORTED) << stale.status.error_message();
  EXPECT_TRUE(stale.db_lsn.empty());

  // With the rename's position: without it the replica may not have
  // replayed the rename yet (bounded staleness, not a failure).
  Answer read;
  EXPECT_EQ(TitleOf(created.id(), rename.db_lsn, &read), "Versioned II");
  EXPECT_TRUE(read.status.ok());
  EXPECT_TRUE(read.db_lsn.empty());
  Feed({}, &read);
  EXPECT_TRUE(read.db_lsn.empty());
}

TEST_F(ReadYourWritesTest, PastTheLagBoundReadsGoToThePrimaryAndComeBack) {
  std::unique_ptr<ServiceProcess> bounded = StartOnCluster({{"DB_READ_MAX_LAG_MS", "1000"}});
  std::unique_ptr<PuzzleService::Stub> stub = PuzzleService::NewStub(ChannelTo(*bounded));
  auto title_of = [&](const std::string& id) {
    GetPuzzleRequest request;
    request.set_puzzle_id(id);
    Puzzle puzzle;
    grpc::Status status = stub->GetPuzzle(As(author_).get(), request, &puzzle);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return puzzle.title();
  };
  Puzzle created;
  ASSERT_TRUE(Create("Fresh", &created).status.ok());
  AwaitOnReplica(created, "Fresh");
  ASSERT_TRUE(Eventually([&] { return title_of(created.id()) == "Fresh"; }));

  // Taken before the pause: the bound below holds however long the pause
  // call takes on a loaded machine.
  const absl::Time paused = absl::Now();
  ASSERT_TRUE(Replay("pause").ok());
  Puzzle renamed;
  ASSERT_TRUE(Rename(created, "Written while paused", &renamed).status.ok());
  // Within the bound: still the replica's (old) row.
  EXPECT_EQ(title_of(created.id()), "Fresh");
  {
    // The primary keeps writing; the replica's lag passes 1 s.
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      while (!stop.load()) {
        (void)cluster_->AdminSql(Node::kPrimary, "INSERT INTO lag_probe VALUES (1)", "quest_db");
        absl::SleepFor(absl::Milliseconds(50));
      }
    });
    const bool moved = Eventually([&] { return title_of(created.id()) == "Written while paused"; },
                                  absl::Seconds(10));
    const absl::Duration after = absl::Now() - paused;
    stop.store(true);
    writer.join();
    ASSERT_TRUE(moved) << "reads never went to the primary";
    // Not before the bound less two sampling intervals (the lag is counted
    // from the last sample the replica was known to have caught up with, up
    // to one interval before the pause, plus one of slack).
    EXPECT_GE(after, absl::Milliseconds(600)) << "went to the primary before the lag bound";
  }
  ASSERT_TRUE(Replay("resume").ok());
  AwaitOnReplica(created, "Written while paused");
  absl::SleepFor(absl::Milliseconds(600));  // A few samples see it caught up.
  // Back on the replica: a write it has not replayed is not seen again.
  ASSERT_TRUE(Replay("pause").ok());
  Puzzle again;
  ASSERT_TRUE(Rename(renamed, "Second pause", &again).status.ok());
  EXPECT_EQ(title_of(created.id()), "Written while paused");
  ASSERT_TRUE(Replay("resume").ok());
  if (::testing::Test::HasFailure()) std::cerr << bounded->Log();
}

}  // namespace
}  // namespace qs::testing
