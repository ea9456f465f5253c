#include "notification/prune_job.h"

#include <utility>

#include "spdlog/spdlog.h"

namespace qs::notification {

PruneJob::PruneJob(db::Database& database, NotificationSettings settings)
    : database_(database),
      settings_(std::move(settings)),
      loop_(settings_.prune_interval, [this] { PruneAll(); }) {}

void PruneJob::PruneAll() {
  InBatches("stale push tokens", [&](db::WriteTx& tx) {
    return tokens_.PruneStale(tx, settings_.token_stale_after, settings_.prune_batch_size);
  });
  InBatches("notifications past retention", [&](db::WriteTx& tx) {
    return inbox_.PruneOld(tx, settings_.retention, settings_.prune_batch_size);
  });
}

void PruneJob::InBatches(const char* what, const std::function<int(db::WriteTx&)>& batch) {
  int total = 0;
  while (!loop_.StopRequested()) {
    absl::StatusOr<int> deleted =
        database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<int> { return batch(tx); });
    if (!deleted.ok()) {
      spdlog::warn("{} not pruned: {}", what, deleted.status().ToString());
      break;
    }
    total += *deleted;
    if (*deleted < settings_.prune_batch_size) break;
  }
  if (total > 0) spdlog::info("pruned {} {}", total, what);
}

}  // namespace qs::notification
