#include "notification/delivery_worker_settings.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"

namespace qs::notification {

absl::Duration WorstCaseSend(const delivery::DeliverySettings& providers) {
  return kMaxPermitWait + 4 * providers.request_timeout;
}

absl::StatusOr<DeliveryWorkerSettings> LoadDeliveryWorkerSettings(const config::EnvLookup& env) {
  DeliveryWorkerSettings settings;
  QS_ASSIGN_OR_RETURN(settings.providers, delivery::LoadDeliverySettings(env));
  QS_ASSIGN_OR_RETURN(settings.enabled, config::ReadBool(env, "DELIVERY_WORKER_ENABLED", true));
  QS_ASSIGN_OR_RETURN(settings.poll_interval,
                      config::ReadMillis(env, "DELIVERY_POLL_MS", 200, 10, 60'000));
  QS_ASSIGN_OR_RETURN(int64_t batch_size,
                      config::ReadInt(env, "DELIVERY_BATCH_SIZE", 100, 1, 1000));
  settings.batch_size = static_cast<int>(batch_size);
  QS_ASSIGN_OR_RETURN(settings.lease,
                      config::ReadMillis(env, "DELIVERY_LEASE_MS", 60'000, 1000, 3'600'000));
  QS_ASSIGN_OR_RETURN(int64_t threads, config::ReadInt(env, "DELIVERY_SEND_THREADS", 8, 1, 256));
  settings.send_threads = static_cast<int>(threads);
  QS_ASSIGN_OR_RETURN(settings.pause_recheck,
                      config::ReadMillis(env, "DELIVERY_PAUSE_RECHECK_MS", 60'000, 100, 3'600'000));
  // See WorstCaseSend: a shorter lease would give every row back.
  const absl::Duration shortest_lease = WorstCaseSend(settings.providers) + absl::Seconds(1);
  if (settings.lease < shortest_lease) {
    return absl::InvalidArgumentError(absl::StrCat(
        "DELIVERY_LEASE_MS must be at least 4 x PUSH_REQUEST_TIMEOUT_MS + 2000 (the longest send "
        "plus a margin: ",
        absl::ToInt64Milliseconds(shortest_lease), " ms), got ",
        absl::ToInt64Milliseconds(settings.lease)));
  }
  return settings;
}

}  // namespace qs::notification
