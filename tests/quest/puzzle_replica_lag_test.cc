// GetPuzzle on the async read path while the replica lags: replay is paused
// on the replica (pg_wal_replay_pause), so a puzzle created now exists on the
// primary only. The replica's miss must be confirmed on the primary (a
// worker does that) before the caller hears NOT_FOUND. Exclusive: pausing
// replay would stall every other test reading the shared replica.
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/quest/quest_server_fixture.h"
#include "tests/support/replica_replay.h"

namespace qs::testing {
namespace {

using namespace ::quest::v1;  // NOLINT

class PuzzleReplicaLagTest : public QuestServerFixture {};

TEST_F(PuzzleReplicaLagTest, APuzzleTheReplicaHasNotReplayedIsFoundOnThePrimary) {
  Puzzle replayed = Create(NewPuzzle("On both nodes"), author_);
  ASSERT_TRUE(Eventually([&] {
    Puzzle out;
    return GetPuzzle(replayed.id(), author_, &out).ok();
  }));
  ReplicaReplayPaused paused;
  Puzzle fresh = Create(NewPuzzle("On the primary only"), author_);
  Puzzle fetched;
  grpc::Status status = GetPuzzle(fresh.id(), author_, &fetched);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(fetched.SerializeAsString(), fresh.SerializeAsString());
  // The replica still answers what it has.
  ASSERT_TRUE(GetPuzzle(replayed.id(), author_, &fetched).ok());
  EXPECT_EQ(fetched.title(), "On both nodes");
  // A missing id is NOT_FOUND once the primary confirms it.
  status = GetPuzzle(api::NewUuidV4(), author_, &fetched);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
}

TEST_F(PuzzleReplicaLagTest, ADraftPublishedOnThePrimaryIsVisibleToOthersAtOnce) {
  Puzzle draft = Create(NewPuzzle("Draft then published"), author_);
  ASSERT_TRUE(Eventually([&] {
    Puzzle out;
    return GetPuzzle(draft.id(), author_, &out).ok();
  }));
  ReplicaReplayPaused paused;
  UpdatePuzzleRequest publish;
  publish.set_puzzle_id(draft.id());
  publish.set_version(draft.version());
  publish.set_status(PUZZLE_STATUS_PUBLISHED);
  Puzzle published;
  ASSERT_TRUE(puzzles_->UpdatePuzzle(As(author_).get(), publish, &published).ok());
  // The replica still has the draft, invisible to another player: the
  // primary has it published.
  Puzzle fetched;
  grpc::Status status = GetPuzzle(draft.id(), api::NewUuidV4(), &fetched);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(fetched.status(), PUZZLE_STATUS_PUBLISHED);
}

}  // namespace
}  // namespace qs::testing
