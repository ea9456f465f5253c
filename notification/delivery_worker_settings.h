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
//                                     be at least WorstCaseSend + 1 s (below)
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

// How long a send waits for its provider's permit (rate or concurrency)
// before the delivery goes back to the queue. Short: the lease runs while it
// waits, and a provider backing off for longer should not hold a thread.
inline constexpr absl::Duration kMaxPermitWait = absl::Seconds(1);

// The longest one Deliver can take once it starts: the permit wait plus up to
// four HTTP requests of PUSH_REQUEST_TIMEOUT_MS each (FCM: OAuth token + send,
// then after a refused credential a fresh token + the send again; APNs: the
// send + the other environment's host).
//
// All rows of a batch share one lease, but each send thread sends about
// batch/threads of them in a row, so a late row could be sent after its
// lease expired and another instance re-claimed it (a double send). So the
// worker sends a row only while at least this much of its lease is left and
// gives the rest back unsent (no attempt counted) for the next claim. The
// lease must therefore be at least this plus a margin (1 s, for the claim and
// the record writes), so that the first row of each thread always fits; a
// lease of ceil(batch/threads) x this never gives a row back.
absl::Duration WorstCaseSend(const delivery::DeliverySettings& providers);

// An error names the variable and the accepted values.
absl::StatusOr<DeliveryWorkerSettings> LoadDeliveryWorkerSettings(const config::EnvLookup& env);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_DELIVERY_WORKER_SETTINGS_H_
