// The quest service: wiring only. Start-up, config, migrations, the database
// router, health, reflection, background workers and graceful shutdown come
// from common/service.
#include <memory>
#include <utility>

#include "common/api/page_token.h"
#include "common/service/service_main.h"
#include "proto/quest/v1/quest_methods.h"
#include "quest/attempt_handler.h"
#include "quest/leaderboard_handler.h"
#include "quest/leaderboard_store.h"
#include "quest/match_handler.h"
#include "quest/puzzle_handler.h"
#include "quest/puzzle_period_job.h"
#include "quest/puzzle_store.h"
#include "quest/quest_config.h"
#include "quest/user_eraser.h"

int main() {
  qs::quest::QuestSettings settings;  // LEADERBOARD_*, PUZZLE_*, read with the config
  std::unique_ptr<qs::quest::PuzzlePeriodJobs> period_jobs;
  return qs::service::RunService({
      .name = "quest",
      .default_port = 50051,
      .load_config = qs::service::LoadConfigInto(settings, qs::quest::LoadQuestSettings),
      .prepared_statements = {qs::quest::PuzzleStore::PreparedStatements(),
                              qs::quest::LeaderboardStore::PreparedStatements()},
      .add_services =
          [&settings, &period_jobs](qs::service::ServiceContext& context) {
            // PAGE_TOKEN_KEY was checked (>= 16 bytes) with the config.
            auto page_tokens =
                *qs::api::PageTokenCodec::Create(context.server_config.page_token_key);
            context.Host<::quest::v1::PuzzleService>(
                std::make_unique<qs::quest::PuzzleHandler>(context.database, page_tokens));
            context.Host<::quest::v1::AttemptService>(
                std::make_unique<qs::quest::AttemptHandler>(context.database, page_tokens));
            auto leaderboard = std::make_unique<qs::quest::LeaderboardHandler>(
                context.database, page_tokens, settings.ranks);
            context.RunInBackground(leaderboard->rank_refresher());
            context.Host<::quest::v1::LeaderboardService>(std::move(leaderboard));
            period_jobs =
                std::make_unique<qs::quest::PuzzlePeriodJobs>(context.database, settings.periods);
            context.RunInBackground(period_jobs->plays_folder());
            context.RunInBackground(period_jobs->rating_periods());
            context.Host<::quest::v1::MatchService>(std::make_unique<qs::quest::MatchHandler>(
                context.database, std::move(page_tokens)));
          },
      .erase_user = qs::quest::EraseUser,
  });
}
