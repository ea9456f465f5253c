#include "notification/delivery/delivery_settings.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"

namespace qs::notification::delivery {
namespace {

// "log" or `real_name`.
absl::StatusOr<bool> ReadProviderChoice(const config::EnvLookup& env, absl::string_view name,
                                        absl::string_view real_name) {
  std::string value = config::ReadString(env, name, "log");
  if (value == "log") return false;
  if (value == real_name) return true;
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": expected \"log\" or \"", real_name, "\", got \"", value, "\""));
}

absl::StatusOr<std::string> RequireString(const config::EnvLookup& env, absl::string_view name,
                                          absl::string_view because) {
  std::string value = config::ReadString(env, name, "");
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(name, ": required ", because));
  return value;
}

absl::StatusOr<ProviderThrottleSettings> ReadThrottle(const config::EnvLookup& env,
                                                      absl::string_view prefix) {
  ProviderThrottleSettings throttle;
  QS_ASSIGN_OR_RETURN(throttle.sends_per_second,
                      config::ReadDecimal(env, absl::StrCat(prefix, "_SENDS_PER_SECOND"),
                                          throttle.sends_per_second, 0.01, 1'000'000));
  QS_ASSIGN_OR_RETURN(int64_t concurrency,
                      config::ReadInt(env, absl::StrCat(prefix, "_MAX_CONCURRENCY"),
                                      throttle.max_concurrency, 1, 10'000));
  throttle.max_concurrency = static_cast<int>(concurrency);
  return throttle;
}

absl::StatusOr<FcmSettings> ReadFcm(const config::EnvLookup& env) {
  FcmSettings fcm;
  QS_ASSIGN_OR_RETURN(fcm.enabled, ReadProviderChoice(env, "PUSH_FCM_PROVIDER", "fcm"));
  if (fcm.enabled) {
    QS_ASSIGN_OR_RETURN(fcm.service_account_file, RequireString(env, "FCM_SERVICE_ACCOUNT_FILE",
                                                                "with PUSH_FCM_PROVIDER=fcm"));
  }
  fcm.token_uri = config::ReadString(env, "FCM_TOKEN_URI", "");
  fcm.endpoint = config::ReadString(env, "FCM_ENDPOINT", fcm.endpoint);
  QS_ASSIGN_OR_RETURN(
      fcm.token_refresh_margin,
      config::ReadMillis(env, "FCM_TOKEN_REFRESH_MARGIN_MS", 300'000, 0, 3'000'000));
  QS_ASSIGN_OR_RETURN(fcm.throttle, ReadThrottle(env, "FCM"));
  return fcm;
}

absl::StatusOr<ApnsSettings> ReadApns(const config::EnvLookup& env) {
  ApnsSettings apns;
  QS_ASSIGN_OR_RETURN(apns.enabled, ReadProviderChoice(env, "PUSH_APNS_PROVIDER", "apns"));
  if (apns.enabled) {
    constexpr absl::string_view kBecause = "with PUSH_APNS_PROVIDER=apns";
    QS_ASSIGN_OR_RETURN(apns.key_file, RequireString(env, "APNS_KEY_FILE", kBecause));
    QS_ASSIGN_OR_RETURN(apns.key_id, RequireString(env, "APNS_KEY_ID", kBecause));
    QS_ASSIGN_OR_RETURN(apns.team_id, RequireString(env, "APNS_TEAM_ID", kBecause));
    QS_ASSIGN_OR_RETURN(apns.topic, RequireString(env, "APNS_TOPIC", kBecause));
  }
  apns.production_url = config::ReadString(env, "APNS_PRODUCTION_URL", apns.production_url);
  apns.sandbox_url = config::ReadString(env, "APNS_SANDBOX_URL", apns.sandbox_url);
  QS_ASSIGN_OR_RETURN(int64_t minutes,
                      config::ReadInt(env, "APNS_TOKEN_REFRESH_MINUTES", 50, 20, 59));
  apns.token_refresh = absl::Minutes(minutes);
  QS_ASSIGN_OR_RETURN(apns.throttle, ReadThrottle(env, "APNS"));
  return apns;
}

absl::StatusOr<RetryPolicySettings> ReadRetry(const config::EnvLookup& env) {
  RetryPolicySettings retry;
  QS_ASSIGN_OR_RETURN(int64_t attempts,
                      config::ReadInt(env, "PUSH_RETRY_MAX_ATTEMPTS", retry.max_attempts, 1, 100));
  retry.max_attempts = static_cast<int>(attempts);
  QS_ASSIGN_OR_RETURN(retry.max_elapsed, config::ReadMillis(env, "PUSH_RETRY_MAX_ELAPSED_MS",
                                                            3'600'000, 1, 7 * 86'400'000LL));
  QS_ASSIGN_OR_RETURN(retry.base_delay,
                      config::ReadMillis(env, "PUSH_RETRY_BASE_DELAY_MS", 1'000, 1, 3'600'000));
  QS_ASSIGN_OR_RETURN(retry.max_delay,
                      config::ReadMillis(env, "PUSH_RETRY_MAX_DELAY_MS", 300'000, 1, 86'400'000));
  if (retry.max_delay < retry.base_delay) {
    return absl::InvalidArgumentError(
        "PUSH_RETRY_MAX_DELAY_MS: must be at least PUSH_RETRY_BASE_DELAY_MS");
  }
  return retry;
}

}  // namespace

absl::StatusOr<DeliverySettings> LoadDeliverySettings(const config::EnvLookup& env) {
  DeliverySettings settings;
  QS_ASSIGN_OR_RETURN(settings.fcm, ReadFcm(env));
  QS_ASSIGN_OR_RETURN(settings.apns, ReadApns(env));
  settings.ca_file = config::ReadString(env, "PUSH_CA_FILE", "");
  QS_ASSIGN_OR_RETURN(settings.connect_timeout,
                      config::ReadMillis(env, "PUSH_CONNECT_TIMEOUT_MS", 5'000, 10, 600'000));
  QS_ASSIGN_OR_RETURN(settings.request_timeout,
                      config::ReadMillis(env, "PUSH_REQUEST_TIMEOUT_MS", 10'000, 10, 600'000));
  QS_ASSIGN_OR_RETURN(settings.answers.default_throttle,
                      config::ReadMillis(env, "PUSH_THROTTLE_DEFAULT_MS", 60'000, 1, 86'400'000));
  QS_ASSIGN_OR_RETURN(settings.retry, ReadRetry(env));
  return settings;
}

}  // namespace qs::notification::delivery
