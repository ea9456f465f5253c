#include "notification/delivery/provider_factory.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "notification/delivery/apns_provider.h"
#include "notification/delivery/fcm_provider.h"
#include "notification/delivery/log_provider.h"

namespace qs::notification::delivery {
namespace {

absl::Status Naming(absl::string_view variable, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(variable, ": ", status.message()));
}

HttpClientSettings Http(const DeliverySettings& settings, bool require_http2) {
  return HttpClientSettings{settings.ca_file, settings.connect_timeout, settings.request_timeout,
                            require_http2};
}

absl::StatusOr<PushProviderPtr> BuildFcm(const DeliverySettings& settings) {
  if (!settings.fcm.enabled) return std::make_unique<LogProvider>();
  absl::StatusOr<ServiceAccount> account =
      LoadServiceAccount(settings.fcm.service_account_file, settings.fcm.token_uri);
  if (!account.ok()) return Naming("FCM_SERVICE_ACCOUNT_FILE", account.status());
  auto http = std::make_shared<HttpClient>(Http(settings, /*require_http2=*/false));
  auto tokens = std::make_shared<FcmAccessTokens>(*std::move(account), http,
                                                  settings.fcm.token_refresh_margin);
  return std::make_unique<FcmProvider>(
      tokens, http, FcmProviderSettings{settings.fcm.endpoint, settings.answers});
}

absl::StatusOr<PushProviderPtr> BuildApns(const DeliverySettings& settings) {
  if (!settings.apns.enabled) return std::make_unique<LogProvider>();
  absl::StatusOr<ApnsKey> key =
      LoadApnsKey(settings.apns.key_file, settings.apns.key_id, settings.apns.team_id);
  if (!key.ok()) return Naming("APNS_KEY_FILE", key.status());
  auto tokens = std::make_shared<ApnsProviderTokens>(*std::move(key), settings.apns.token_refresh);
  auto http = std::make_shared<HttpClient>(Http(settings, /*require_http2=*/true));
  return std::make_unique<ApnsProvider>(
      tokens, http,
      ApnsProviderSettings{settings.apns.production_url, settings.apns.sandbox_url,
                           settings.apns.topic, settings.answers});
}

}  // namespace

PushProvider& PushProviders::For(PushPlatform platform) const {
  return platform == PushPlatform::kFcm ? *fcm : *apns;
}

ProviderThrottle& PushProviders::ThrottleFor(PushPlatform platform) const {
  return platform == PushPlatform::kFcm ? *fcm_throttle : *apns_throttle;
}

absl::StatusOr<PushProviders> BuildPushProviders(const DeliverySettings& settings) {
  PushProviders providers;
  absl::StatusOr<PushProviderPtr> fcm = BuildFcm(settings);
  if (!fcm.ok()) return fcm.status();
  absl::StatusOr<PushProviderPtr> apns = BuildApns(settings);
  if (!apns.ok()) return apns.status();
  providers.fcm = *std::move(fcm);
  providers.apns = *std::move(apns);
  providers.fcm_throttle = std::make_unique<ProviderThrottle>(settings.fcm.throttle);
  providers.apns_throttle = std::make_unique<ProviderThrottle>(settings.apns.throttle);
  return providers;
}

}  // namespace qs::notification::delivery
