// The notification service: wiring only. Start-up, config, migrations, the
// database router, health, reflection, background workers and graceful
// shutdown come from common/service.
#include <memory>

#include "common/api/page_token.h"
#include "common/service/service_main.h"
#include "notification/inbox_handler.h"
#include "notification/notification_settings.h"
#include "notification/preference_handler.h"
#include "notification/prune_job.h"
#include "notification/token_handler.h"

int main() {
  qs::notification::NotificationSettings settings;
  // Lives until RunService returns: its loop is stopped on drain.
  std::unique_ptr<qs::notification::PruneJob> prune;
  return qs::service::RunService({
      .name = "notification",
      .default_port = 50052,
      .load_config =
          qs::service::LoadConfigInto(settings, qs::notification::LoadNotificationSettings),
      .add_services =
          [&](qs::service::ServiceContext& context) {
            // PAGE_TOKEN_KEY was checked (>= 16 bytes) with the config.
            auto page_tokens =
                *qs::api::PageTokenCodec::Create(context.server_config.page_token_key);
            context.Host<::notification::v1::PushTokenService>(
                std::make_unique<qs::notification::TokenHandler>(context.database));
            context.Host<::notification::v1::InboxService>(
                std::make_unique<qs::notification::InboxHandler>(context.database, page_tokens,
                                                                 settings));
            context.Host<::notification::v1::PreferenceService>(
                std::make_unique<qs::notification::PreferenceHandler>(context.database, settings));
            prune = std::make_unique<qs::notification::PruneJob>(context.database, settings);
            context.RunInBackground(prune->loop());
          },
  });
}
