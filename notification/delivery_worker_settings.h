// Settings of the push delivery worker (delivery_worker.h), from environment
// variables (common/config/env.h), next to the providers' own
// (notification/delivery/delivery_settings.h, read here too):
//
//   DELIVERY_WORKER_ENABLED    true   false: this instance serves the API only and sends
//                                     nothing (API-only instances beside delivery ones;
//                                     tests of the API that assert queued rows)
//   DELIVERY_POLL_MS           200    pause between claims when the last batch was short;
//                                     a queued push waits at most about this long
//   DELIVERY_BATCH_SIZE        100    deliveries claimed per statement, 1..1000
//   DELIVERY_LEASE_MS          60000  a claim's lease: a delivery whose worker died is
//                                     claimed again this long after its claim; must
//                                     exceed a send (PUSH_REQUEST_TIMEOUT_MS, twice)
//   DELIVERY_SEND_THREADS      8      sends of one batch in parallel, 1..256 (each
//                                     provider's *_MAX_CONCURRENCY bounds them too)
//   DELIVERY_PAUSE_RECHECK_MS  60000  a paused provider's deliveries are requeued this
//                                     far ahead; one send then probes whether it works
//
//   QS_ASSIGN_OR_RETURN(DeliveryWorkerSettings settings, LoadDeliveryWorkerSettings(env));
#ifndef QS_NOTIFICATION_DELIVERY_WORKER_SETTINGS_H_
#define QS_NOTIFICATION_DELIVERY_WORKER_SETTINGS_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"
#include "notification/delivery/delivery_settings.h"

namespace qs::notification {

struct DeliveryWorkerSettings {
  bool enabled = true;
  absl::Duration poll_interval = absl::Milliseconds(200);
  int batch_size = 100;
  absl::Duration lease = absl::Seconds(60);
  int send_threads = 8;
  absl::Duration pause_recheck = absl::Seconds(60);
  delivery::DeliverySettings providers;
};

// An error names the variable and the accepted values.
absl::StatusOr<DeliveryWorkerSettings> LoadDeliveryWorkerSettings(const config::EnvLookup& env);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_DELIVERY_WORKER_SETTINGS_H_
