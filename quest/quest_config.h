// Settings of the quest service beyond the common ones (common/config):
//
//   LEADERBOARD_EXACT_RANK_LIMIT  1000   ranks counted exactly down to here
//   LEADERBOARD_RANK_REFRESH_MS   60000  age limit of the estimates deeper down
//   PUZZLE_RATING_PERIOD_SECONDS  300    a puzzle's Glicko-2 rating period (1..86400)
//   PUZZLE_PLAYS_FOLD_SECONDS     10     how often plays reach play_count (1..3600)
// (puzzle_period_job.h says what the two puzzle settings mean to a caller.)
#ifndef QS_QUEST_QUEST_CONFIG_H_
#define QS_QUEST_QUEST_CONFIG_H_

#include "absl/status/statusor.h"
#include "common/config/env.h"
#include "quest/puzzle_period_job.h"
#include "quest/rank_counter.h"

namespace qs::quest {

struct QuestSettings {
  RankCounter::Options ranks;
  PuzzlePeriodOptions periods;
};

absl::StatusOr<QuestSettings> LoadQuestSettings(const config::EnvLookup& env);
absl::StatusOr<RankCounter::Options> LoadRankOptions(const config::EnvLookup& env);
absl::StatusOr<PuzzlePeriodOptions> LoadPeriodOptions(const config::EnvLookup& env);

}  // namespace qs::quest

#endif  // QS_QUEST_QUEST_CONFIG_H_
