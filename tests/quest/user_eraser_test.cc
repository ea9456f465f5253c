// quest's part of the right to erasure (quest/user_eraser.h) through the
// real quest binary: data of a user and of another made through the API,
// ops.v1.Privacy/EraseUser, then every table of quest_db scanned for his id.
#include <set>
#include <string>

#include "common/api/uuid.h"
#include "gtest/gtest.h"
#include "tests/common/privacy/user_data.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

constexpr const char* kDatabase = "quest_db";

class QuestUserEraserTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    StartSharedServer("quest", {{"PRIVACY_ADMIN_TOKEN", kPrivacyAdminToken}});
  }
  static void TearDownTestSuite() { StopSharedServer(); }

  static std::string One(const std::string& sql, const std::string& argument) {
    pqxx::result rows = QueryPrimary(kDatabase, sql, argument);
    EXPECT_EQ(rows.size(), 1u) << sql;
    return rows.empty() ? "" : rows[0][0].as<std::string>();
  }

  const std::string user_ = api::NewUuidV4();
  const std::string other_ = api::NewUuidV4();
};

TEST_F(QuestUserEraserTest, DeletesHisRowsAnonymisesSharedOnesAndLeavesTheOtherUsersAlone) {
  CreateQuestData(channel(), user_, other_);
  const std::string his_puzzle = One("SELECT id::text FROM puzzles WHERE author_id = $1", user_);
  const std::string match =
      One("SELECT match_id::text FROM match_participants WHERE user_id = $1", user_);
  ExpectEraseLeavesOnlyUserErased(
      channel(), kDatabase, user_, other_,
      {"puzzles", "puzzle_attempts", "user_progress", "leaderboard_scores", "matches",
       "match_participants", "idempotency_keys", "outbox_events"});

  // Anonymised, not deleted: the match keeps both players and a winner that
  // is his stand-in; his puzzle stays playable with its play count.
  pqxx::result finished =
      QueryPrimary(kDatabase,
                   "SELECT m.status, m.winner_id = m.creator_id, "
                   "(SELECT count(*) FROM match_participants p WHERE p.match_id = m.id), "
                   "(SELECT count(*) FROM match_participants p WHERE p.match_id = m.id "
                   " AND p.user_id = m.winner_id) FROM matches m WHERE m.id = $1",
                   match);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0][0].as<std::string>(), "finished");
  EXPECT_TRUE(finished[0][1].as<bool>());
  EXPECT_EQ(finished[0][2].as<int>(), 2);
  EXPECT_EQ(finished[0][3].as<int>(), 1) << "the winner is his anonymised participant row";
  // Folded into play_count or still waiting in puzzle_plays.
  const std::string plays =
      "SELECT (play_count + (SELECT count(*) FROM puzzle_plays WHERE puzzle_id = $1))::text "
      "FROM puzzles WHERE id = $1";
  EXPECT_EQ(One(plays, his_puzzle), "1");

  ::ops::v1::EraseUserResponse erased;
  grpc::Status status = EraseUser(channel(), user_, &erased);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(erased.erasure().rows_erased(), 0) << "nothing left to erase";
}

}  // namespace
}  // namespace qs::testing
