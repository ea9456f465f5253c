#include "quest/leaderboard_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace qs::quest {

std::vector<std::string> PeriodKeysAt(absl::Time when) {
  return {"all", PeriodKey(v1::LEADERBOARD_PERIOD_DAILY, when),
          PeriodKey(v1::LEADERBOARD_PERIOD_WEEKLY, when)};
}

std::string PeriodKey(v1::LeaderboardPeriod period, absl::Time when) {
  switch (period) {
    case v1::LEADERBOARD_PERIOD_DAILY:
      return absl::FormatTime("d%Y-%m-%d", when, absl::UTCTimeZone());
    case v1::LEADERBOARD_PERIOD_WEEKLY:
      return absl::FormatTime("w%G-W%V", when, absl::UTCTimeZone());
    case v1::LEADERBOARD_PERIOD_ALL_TIME:
      return "all";
    default:
      return "";
  }
}

std::vector<int64_t> CompetitionRanks(const std::vector<int64_t>& scores, int64_t above_first,
                                      int64_t at_or_above_first) {
  std::vector<int64_t> ranks;
  ranks.reserve(scores.size());
  // The counts may come from other statements (or an older histogram) than
  // the slice: never fewer rows at the first score than the slice shows, or
  // the next lower score would share the first one's rank.
  const int64_t ties_in_slice =
      std::count(scores.begin(), scores.end(), scores.empty() ? 0 : scores.front());
  at_or_above_first = std::max(at_or_above_first, above_first + ties_in_slice);
  // Entries above the current score: everything at or above the first score
  // (before the slice and in it), plus slice entries between.
  int64_t seen_below_first = 0;  // slice entries with a score < scores[0] so far
  for (size_t i = 0; i < scores.size(); ++i) {
    if (scores[i] == scores[0]) {
      ranks.push_back(above_first + 1);
      continue;
    }
    if (i > 0 && scores[i] == scores[i - 1]) {
      ranks.push_back(ranks.back());
    } else {
      ranks.push_back(at_or_above_first + seen_below_first + 1);
    }
    ++seen_below_first;
  }
  return ranks;
}

}  // namespace qs::quest
