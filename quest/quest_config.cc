#include "quest/quest_config.h"

namespace qs::quest {

absl::StatusOr<RankCounter::Options> LoadRankOptions(const config::EnvLookup& env) {
  RankCounter::Options options;
  absl::StatusOr<int64_t> exact =
      config::ReadInt(env, "LEADERBOARD_EXACT_RANK_LIMIT", options.exact_limit, 1, 1'000'000'000);
  if (!exact.ok()) return exact.status();
  absl::StatusOr<absl::Duration> refresh =
      config::ReadMillis(env, "LEADERBOARD_RANK_REFRESH_MS",
                         absl::ToInt64Milliseconds(options.refresh), 100, 86'400'000);
  if (!refresh.ok()) return refresh.status();
  options.exact_limit = *exact;
  options.refresh = *refresh;
  return options;
}

}  // namespace qs::quest
