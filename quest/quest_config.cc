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

absl::StatusOr<PuzzlePeriodOptions> LoadPeriodOptions(const config::EnvLookup& env) {
  PuzzlePeriodOptions options;
  absl::StatusOr<int64_t> period = config::ReadInt(
      env, "PUZZLE_RATING_PERIOD_SECONDS", absl::ToInt64Seconds(options.rating_period), 1, 86'400);
  if (!period.ok()) return period.status();
  absl::StatusOr<int64_t> fold = config::ReadInt(
      env, "PUZZLE_PLAYS_FOLD_SECONDS", absl::ToInt64Seconds(options.plays_fold), 1, 3'600);
  if (!fold.ok()) return fold.status();
  options.rating_period = absl::Seconds(*period);
  options.plays_fold = absl::Seconds(*fold);
  return options;
}

absl::StatusOr<QuestSettings> LoadQuestSettings(const config::EnvLookup& env) {
  QuestSettings settings;
  absl::StatusOr<RankCounter::Options> ranks = LoadRankOptions(env);
  if (!ranks.ok()) return ranks.status();
  absl::StatusOr<PuzzlePeriodOptions> periods = LoadPeriodOptions(env);
  if (!periods.ok()) return periods.status();
  settings.ranks = *ranks;
  settings.periods = *periods;
  return settings;
}

}  // namespace qs::quest
