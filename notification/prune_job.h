// The notification service's background prune, every
// NOTIFICATION_PRUNE_INTERVAL_MS: registrations unseen for TOKEN_STALE_DAYS,
// then notifications older than RETENTION_DAYS whose deliveries have all
// finished (with those deliveries). Each runs in batches of
// prune_batch_size rows, one transaction per batch (FOR UPDATE SKIP LOCKED,
// so several instances share the work), until a batch comes back short or
// the service stops.
//
//   auto prune = std::make_unique<PruneJob>(context.database, settings);
//   context.RunInBackground(prune->loop());
#ifndef QS_NOTIFICATION_PRUNE_JOB_H_
#define QS_NOTIFICATION_PRUNE_JOB_H_

#include <functional>

#include "common/base/periodic_loop.h"
#include "common/db/database.h"
#include "notification/inbox_store.h"
#include "notification/notification_settings.h"
#include "notification/token_store.h"

namespace qs::notification {

class PruneJob {
 public:
  PruneJob(db::Database& database, NotificationSettings settings);

  base::PeriodicLoop& loop() { return loop_; }

 private:
  void PruneAll();
  // Runs `batch` (returns rows deleted) until it deletes fewer than a batch.
  void InBatches(const char* what, const std::function<int(db::WriteTx&)>& batch);

  db::Database& database_;
  const NotificationSettings settings_;
  TokenStore tokens_;
  InboxStore inbox_;
  base::PeriodicLoop loop_;  // last: stopped before the state above goes
};

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_PRUNE_JOB_H_
