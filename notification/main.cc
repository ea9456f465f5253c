// The notification service: wiring only. Start-up, config, migrations, the
// database router, health, reflection, background workers and graceful
// shutdown come from common/service.
#include <memory>
#include <utility>
#include <vector>

#include "common/api/page_token.h"
#include "common/base/status_macros.h"
#include "common/service/service_main.h"
#include "notification/delivery/provider_factory.h"
#include "notification/delivery_worker.h"
#include "notification/delivery_worker_settings.h"
#include "notification/event_notice_handlers.h"
#include "notification/event_settings.h"
#include "notification/inbox_handler.h"
#include "notification/inbox_store.h"
#include "notification/notification_settings.h"
#include "notification/preference_handler.h"
#include "notification/prune_job.h"
#include "notification/token_handler.h"
#include "notification/token_store.h"
#include "notification/user_eraser.h"
#include "proto/notification/v1/notification_methods.h"

int main() {
  qs::notification::NotificationSettings settings;
  // Lives until RunService returns: its loop is stopped on drain.
  std::unique_ptr<qs::notification::PruneJob> prune;
  // Push delivery: the providers are built with the config, so a broken
  // credential file stops start-up naming its variable.
  qs::notification::DeliveryWorkerSettings delivery_settings;
  qs::notification::delivery::PushProviders push_providers;
  std::unique_ptr<qs::notification::DeliveryWorker> delivery_worker;
  // Sends for other services' events; lives until RunService returns (the
  // consumers run its handlers until then).
  qs::notification::EventNoticeSettings event_settings;
  std::unique_ptr<qs::notification::NotificationSender> event_sender;
  return qs::service::RunService({
      .name = "notification",
      .default_port = 50052,
      .load_config = [&](const qs::config::EnvLookup& env) -> absl::Status {
        QS_RETURN_IF_ERROR(
            qs::service::LoadConfigInto(settings, qs::notification::LoadNotificationSettings)(env));
        QS_RETURN_IF_ERROR(qs::service::LoadConfigInto(
            delivery_settings, qs::notification::LoadDeliveryWorkerSettings)(env));
        QS_ASSIGN_OR_RETURN(push_providers, qs::notification::delivery::BuildPushProviders(
                                                delivery_settings.providers));
        QS_RETURN_IF_ERROR(qs::service::LoadConfigInto(
            event_settings, qs::notification::LoadEventNoticeSettings)(env));
        return absl::OkStatus();
      },
      .prepared_statements = {qs::notification::InboxStore::PreparedStatements(),
                              qs::notification::TokenStore::PreparedStatements()},
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
            event_sender = std::make_unique<qs::notification::NotificationSender>(settings);
            qs::notification::RegisterEventNoticeHandlers(context.events(), *event_sender,
                                                          event_settings);
            prune = std::make_unique<qs::notification::PruneJob>(context.database, settings);
            context.RunInBackground(prune->loop());
            delivery_worker = std::make_unique<qs::notification::DeliveryWorker>(
                context.database, delivery_settings, std::move(push_providers));
            if (delivery_settings.enabled) context.RunInBackground(delivery_worker->loop());
            // A paused provider shows in ops.v1.Diagnostics/GetServiceInfo.
            context.ReportDegradations([worker = delivery_worker.get()] {
              std::vector<qs::ops::Degradation> now;
              for (const auto& [provider, reason] : worker->PausedProviders()) {
                now.push_back({"push:" + provider, "paused: " + reason});
              }
              return now;
            });
          },
      .erase_user = qs::notification::EraseUser,
  });
}
