#include "quest/leaderboard_rules.h"

#include <algorithm>
#include <random>

#include "gtest/gtest.h"

namespace qs::quest {
namespace {

// Reference: rank = 1 + number of scores strictly greater, over the whole board.
std::vector<int64_t> ReferenceRanks(const std::vector<int64_t>& board) {
  std::vector<int64_t> ranks;
  for (int64_t s : board) {
    ranks.push_back(1 +
                    std::count_if(board.begin(), board.end(), [&](int64_t o) { return o > s; }));
  }
  return ranks;
}

TEST(LeaderboardRulesTest, TiesShareARankAndTheNextRankSkips) {
  EXPECT_EQ(CompetitionRanks({300, 200, 200, 100}, 0, 1), (std::vector<int64_t>{1, 2, 2, 4}));
}

TEST(LeaderboardRulesTest, CountsThatMissTheSlicesOwnTiesAreCorrected) {
  // An estimate from a snapshot taken before 500 existed: no rows at 500.
  EXPECT_EQ(CompetitionRanks({500, 500, 400}, 10, 10), (std::vector<int64_t>{11, 11, 13}));
  EXPECT_EQ(CompetitionRanks({500, 400}, 10, 10), (std::vector<int64_t>{11, 12}));
  // More ties than the slice shows are kept.
  EXPECT_EQ(CompetitionRanks({500, 400}, 10, 14), (std::vector<int64_t>{11, 15}));
}

TEST(LeaderboardRulesTest, EverySliceOfRandomBoardsMatchesTheReference) {
  std::mt19937 random(7);
  for (int round = 0; round < 500; ++round) {
    std::vector<int64_t> board(1 + random() % 40);
    for (int64_t& s : board) s = random() % 6;  // many ties
    std::sort(board.rbegin(), board.rend());
    std::vector<int64_t> expected = ReferenceRanks(board);
    size_t start = random() % board.size();
    size_t length = 1 + random() % (board.size() - start);
    std::vector<int64_t> slice(board.begin() + start, board.begin() + start + length);
    int64_t above =
        std::count_if(board.begin(), board.end(), [&](int64_t o) { return o > slice[0]; });
    int64_t at_or_above =
        std::count_if(board.begin(), board.end(), [&](int64_t o) { return o >= slice[0]; });
    std::vector<int64_t> ranks = CompetitionRanks(slice, above, at_or_above);
    ASSERT_EQ(ranks,
              std::vector<int64_t>(expected.begin() + start, expected.begin() + start + length))
        << "round " << round;
  }
}

TEST(LeaderboardRulesTest, PeriodKeysUseUtcDaysAndIsoWeeks) {
  absl::Time late_sunday =
      absl::FromCivil(absl::CivilSecond(2026, 11, 29, 23, 59, 59), absl::UTCTimeZone());
  EXPECT_EQ(PeriodKeysAt(late_sunday),
            (std::vector<std::string>{"all", "d2026-11-29", "w2026-W48"}));
  absl::Time monday = late_sunday + absl::Seconds(1);
  EXPECT_EQ(PeriodKey(::quest::v1::LEADERBOARD_PERIOD_WEEKLY, monday), "w2026-W49");
  // ISO week-years: 2027-01-01 is a Friday, still in 2026's week 53.
  absl::Time new_year =
      absl::FromCivil(absl::CivilSecond(2027, 1, 1, 12, 0, 0), absl::UTCTimeZone());
  EXPECT_EQ(PeriodKey(::quest::v1::LEADERBOARD_PERIOD_WEEKLY, new_year), "w2026-W53");
  EXPECT_EQ(PeriodKey(::quest::v1::LEADERBOARD_PERIOD_UNSPECIFIED, new_year), "");
}

}  // namespace
}  // namespace qs::quest
