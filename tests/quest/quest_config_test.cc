#include "quest/quest_config.h"

#include "gtest/gtest.h"

namespace qs::quest {
namespace {

TEST(QuestConfigTest, RankOptionsDefaultAndOverride) {
  absl::StatusOr<RankCounter::Options> defaults = LoadRankOptions(config::MapEnv({}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->exact_limit, 1000);
  EXPECT_EQ(defaults->refresh, absl::Seconds(60));
  absl::StatusOr<RankCounter::Options> set = LoadRankOptions(config::MapEnv(
      {{"LEADERBOARD_EXACT_RANK_LIMIT", "500"}, {"LEADERBOARD_RANK_REFRESH_MS", "2500"}}));
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->exact_limit, 500);
  EXPECT_EQ(set->refresh, absl::Milliseconds(2500));
}

TEST(QuestConfigTest, BadValuesNameTheVariable) {
  absl::StatusOr<RankCounter::Options> zero =
      LoadRankOptions(config::MapEnv({{"LEADERBOARD_EXACT_RANK_LIMIT", "0"}}));
  EXPECT_EQ(zero.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(zero.status().message().find("LEADERBOARD_EXACT_RANK_LIMIT"), std::string::npos);
  absl::StatusOr<RankCounter::Options> text =
      LoadRankOptions(config::MapEnv({{"LEADERBOARD_RANK_REFRESH_MS", "soon"}}));
  EXPECT_NE(text.status().message().find("LEADERBOARD_RANK_REFRESH_MS"), std::string::npos);
}

}  // namespace
}  // namespace qs::quest
