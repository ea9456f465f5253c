// Settings of the quest service beyond the common ones (common/config):
//
//   LEADERBOARD_EXACT_RANK_LIMIT  1000   ranks counted exactly down to here
//   LEADERBOARD_RANK_REFRESH_MS   60000  age limit of the estimates deeper down
#ifndef QS_QUEST_QUEST_CONFIG_H_
#define QS_QUEST_QUEST_CONFIG_H_

#include "absl/status/statusor.h"
#include "common/config/env.h"
#include "quest/rank_counter.h"

namespace qs::quest {

absl::StatusOr<RankCounter::Options> LoadRankOptions(const config::EnvLookup& env);

}  // namespace qs::quest

#endif  // QS_QUEST_QUEST_CONFIG_H_
