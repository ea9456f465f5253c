// The push delivery worker: claims due deliveries (delivery_store.h), sends
// each through the provider of its platform (notification/delivery/), and
// records what the answer says (the README's answer table, one std::visit in
// Record). Runs on a PeriodicLoop that the service starts:
//
//   auto worker = std::make_unique<DeliveryWorker>(context.database, settings,
//                                                  *BuildPushProviders(settings.providers));
//   context.RunInBackground(worker->loop());
//
// A tick claims a batch of DELIVERY_BATCH_SIZE and sends it on up to
// DELIVERY_SEND_THREADS threads (each send also holds a permit of its
// provider's ProviderThrottle: sends/s, concurrency, provider-wide back-off),
// waits for the batch, and claims again while batches come back full; then
// the loop pauses DELIVERY_POLL_MS. Threads per batch rather than a standing
// pool: a batch is the unit of a lease, and joining it keeps shutdown simple
// (a stop waits for at most one batch of sends, each bounded by the provider
// timeouts).
//
// Several instances (or processes) share the work through SKIP LOCKED; a
// worker killed mid-send leaves `sending` rows that any worker claims again
// once their lease expires, and re-sends them with the same message id
// (apns-id / FCM data.delivery_id), so a push whose first outcome was
// unknown collapses on the device. Such a reclaim counts as an attempt, so a
// delivery whose send keeps crashing or hanging its worker gives up
// (`failed`) at the retry bound instead of being reclaimed forever. A row is
// sent only while its lease can still cover the longest send
// (WorstCaseSend); the later rows of a long batch go back unsent.
//
// Answers about the whole provider (ThrottleProvider, a failed OAuth token
// fetch) are not the delivery's attempts: they requeue it uncounted, bounded
// only by the retry policy's age limit.
//
// A provider that answers PauseProvider (credentials refused even after a
// refresh) is paused: its deliveries go back to the queue unsent,
// DELIVERY_PAUSE_RECHECK_MS ahead, until one probing send works. Each pause
// and resume is logged once; PausedProviders() reports the current state,
// which main.cc lists among the service's degradations (ops.v1.Diagnostics).
#ifndef QS_NOTIFICATION_DELIVERY_WORKER_H_
#define QS_NOTIFICATION_DELIVERY_WORKER_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/base/periodic_loop.h"
#include "common/db/database.h"
#include "notification/delivery/provider_factory.h"
#include "notification/delivery/push_provider.h"
#include "notification/delivery/retry_policy.h"
#include "notification/delivery_store.h"
#include "notification/delivery_worker_settings.h"

namespace qs::notification {

class DeliveryWorker {
 public:
  DeliveryWorker(db::Database& database, DeliveryWorkerSettings settings,
                 delivery::PushProviders providers);

  base::PeriodicLoop& loop() { return loop_; }

  // Provider name ("fcm", "apns", "log") → why it is paused; empty when all
  // send. Thread-safe.
  std::map<std::string, std::string> PausedProviders() const;

 private:
  struct Pause {
    std::string reason;
    absl::Time recheck_at;
  };

  // One tick: claim and send batches until one comes back short.
  void DeliverDue();
  // Sends one claimed delivery and records the outcome (never throws).
  // `lease_end`: this process's conservative view of when the lease ends
  // (the clock before the claim + the lease; no clock of another host).
  void Deliver(const ClaimedDelivery& claimed, absl::Time lease_end);
  // Records `result` for `claimed`: the answer table.
  void Record(const ClaimedDelivery& claimed, const delivery::PushResult& result);
  // Gives the delivery back unsent, due at `when`.
  void GiveBack(const ClaimedDelivery& claimed, absl::Time when, const std::string& why);
  // Runs `write` (a store call) in its own transaction; logs a failure or a
  // lost lease.
  void RecordWith(const ClaimedDelivery& claimed, const char* outcome,
                  const std::function<bool(db::WriteTx&)>& write);

  // The pause of `provider` if it is paused and not due for a probe.
  std::optional<Pause> ActivePause(const delivery::PushProvider& provider);
  void SetPaused(const delivery::PushProvider& provider, const std::string& reason);
  void SetResumed(const delivery::PushProvider& provider);

  db::Database& database_;
  const DeliveryWorkerSettings settings_;
  const delivery::PushProviders providers_;
  const delivery::RetryPolicy retry_;
  const DeliveryStore store_{};

  mutable absl::Mutex pause_mutex_;
  // Keyed by provider name; a probe moves recheck_at ahead so that only one
  // send probes at a time.
  std::map<std::string, Pause> paused_ ABSL_GUARDED_BY(pause_mutex_);

  base::PeriodicLoop loop_;  // last: stopped before the state above goes
};

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_DELIVERY_WORKER_H_
