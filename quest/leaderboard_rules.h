// Pure leaderboard logic: period keys and competition ranks. No I/O.
#ifndef QS_QUEST_LEADERBOARD_RULES_H_
#define QS_QUEST_LEADERBOARD_RULES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "proto/quest/v1/leaderboards.pb.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

// The periods a point earned at `when` counts in: all time, its UTC day and
// its ISO week (UTC).
std::vector<std::string> PeriodKeysAt(absl::Time when);

// The key of `period` at `when`; "" for UNSPECIFIED or unknown values.
std::string PeriodKey(v1::LeaderboardPeriod period, absl::Time when);

// Competition ranks (1, 2, 2, 4) of a contiguous slice of a leaderboard in
// rank order (score descending). `above_first` counts entries with a score
// strictly above scores[0]; `at_or_above_first` those with a score >= it.
std::vector<int64_t> CompetitionRanks(const std::vector<int64_t>& scores, int64_t above_first,
                                      int64_t at_or_above_first);

}  // namespace qs::quest

#endif  // QS_QUEST_LEADERBOARD_RULES_H_
