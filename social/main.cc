// The social service: wiring only. Start-up, config, migrations, the database
// router, health, reflection, background workers and graceful shutdown come
// from common/service.
#include <memory>
#include <utility>

#include "common/api/page_token.h"
#include "common/base/status_macros.h"
#include "common/service/service_main.h"
#include "proto/social/v1/social_methods.h"
#include "social/chat_handler.h"
#include "social/chat_settings.h"
#include "social/chat_store.h"
#include "social/friend_handler.h"
#include "social/friend_settings.h"
#include "social/friend_store.h"
#include "social/guild_handler.h"
#include "social/guild_store.h"
#include "social/suggestion_store.h"
#include "social/user_eraser.h"

int main() {
  qs::social::ChatSettings chat_settings;
  qs::social::FriendSettings friend_settings;  // FRIEND_*
  return qs::service::RunService({
      .name = "social",
      .default_port = 50053,
      // Each part's own settings, read in turn; the first error stops start-up.
      .load_config = [&](const qs::config::EnvLookup& env) -> absl::Status {
        QS_RETURN_IF_ERROR(
            qs::service::LoadConfigInto(chat_settings, qs::social::LoadChatSettings)(env));
        return qs::service::LoadConfigInto(friend_settings, qs::social::LoadFriendSettings)(env);
      },
      .prepared_statements = {qs::social::ChatStore::PreparedStatements(),
                              qs::social::FriendStore::PreparedStatements(),
                              qs::social::GuildStore::PreparedStatements(),
                              qs::social::SuggestionStore::PreparedStatements()},
      .add_services =
          [&](qs::service::ServiceContext& context) {
            // PAGE_TOKEN_KEY was checked (>= 16 bytes) with the config.
            auto page_tokens =
                *qs::api::PageTokenCodec::Create(context.server_config.page_token_key);
            context.Host<::social::v1::ChatService>(std::make_unique<qs::social::ChatHandler>(
                context.database, page_tokens, chat_settings));
            auto friends = std::make_unique<qs::social::FriendHandler>(
                context.database, page_tokens, friend_settings);
            context.RunInBackground(friends->expiry_sweeper());
            context.RunInBackground(friends->suggestion_refresher());
            context.Host<::social::v1::FriendService>(std::move(friends));
            context.Host<::social::v1::GuildService>(
                std::make_unique<qs::social::GuildHandler>(context.database, page_tokens));
          },
      .erase_user = qs::social::EraseUser,
  });
}
