// The quest service: wiring only. Start-up, config, migrations, the database
// router, health, reflection and graceful shutdown come from common/service.
#include <cstdio>

#include "common/api/page_token.h"
#include "common/service/service_main.h"
#include "quest/attempt_handler.h"
#include "quest/leaderboard_handler.h"
#include "quest/leaderboard_store.h"
#include "quest/match_handler.h"
#include "quest/puzzle_handler.h"
#include "quest/puzzle_store.h"
#include "quest/quest_config.h"

int main() {
  absl::StatusOr<qs::quest::RankCounter::Options> ranks =
      qs::quest::LoadRankOptions(qs::config::ProcessEnv());
  if (!ranks.ok()) {
    std::fprintf(stderr, "config error: %s\n", std::string(ranks.status().message()).c_str());
    return 2;
  }
  std::vector<qs::db::PreparedStatement> prepared = qs::quest::PuzzleStore::PreparedStatements();
  for (qs::db::PreparedStatement& statement : qs::quest::LeaderboardStore::PreparedStatements()) {
    prepared.push_back(std::move(statement));
  }
  return qs::service::RunService({
      .name = "quest",
      .default_port = 50051,
      .add_services =
          [&](qs::service::ServiceContext& context) {
            // PAGE_TOKEN_KEY was checked (>= 16 bytes) with the config.
            auto page_tokens =
                *qs::api::PageTokenCodec::Create(context.server_config.page_token_key);
            context.Host<::quest::v1::PuzzleService>(
                std::make_unique<qs::quest::PuzzleHandler>(context.database, page_tokens));
            context.Host<::quest::v1::AttemptService>(
                std::make_unique<qs::quest::AttemptHandler>(context.database, page_tokens));
            context.Host<::quest::v1::LeaderboardService>(
                std::make_unique<qs::quest::LeaderboardHandler>(context.database, page_tokens,
                                                                *ranks));
            context.Host<::quest::v1::MatchService>(
                std::make_unique<qs::quest::MatchHandler>(context.database,
                                                          std::move(page_tokens)));
          },
      .prepared_statements = std::move(prepared),
  });
}
