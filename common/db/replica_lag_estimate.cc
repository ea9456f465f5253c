#include "common/db/replica_lag_estimate.h"

#include <algorithm>

namespace qs::db {

absl::Duration ReplicaLagEstimate::Update(const std::optional<PrimarySample>& primary,
                                          const ReplicaSample& replica) {
  if (!primary) {
    // The history is kept: its entries stay valid bounds for later rounds.
    if (replica.receive_lsn != 0 && replica.replay_lsn >= replica.receive_lsn) {
      return absl::ZeroDuration();
    }
    if (!replica.replay_timestamp_seconds) return absl::InfiniteDuration();
    return std::max(absl::ZeroDuration(),
                    absl::Seconds(replica.clock_seconds - *replica.replay_timestamp_seconds));
  }
  history_.push_back({primary->taken_at, primary->flush_lsn});
  if (history_.size() > kMaxHistory) history_.pop_front();
  // Entries the replica has passed are no use but the latest of them.
  while (history_.size() >= 2 && history_[1].flush_lsn <= replica.replay_lsn) {
    history_.pop_front();
  }
  absl::Duration lag = absl::InfiniteDuration();
  if (history_.front().flush_lsn <= replica.replay_lsn) {
    lag = std::max(absl::ZeroDuration(), replica.answered_at - history_.front().taken_at);
  }
  if (replica.replay_timestamp_seconds) {
    // The primary's clock at its sample, moved on by the monotonic time
    // since, against the commit stamp from that clock.
    const absl::Duration by_timestamp =
        absl::Seconds(primary->clock_seconds - *replica.replay_timestamp_seconds) +
        (replica.answered_at - primary->taken_at);
    lag = std::min(lag, std::max(absl::ZeroDuration(), by_timestamp));
  }
  return lag;
}

}  // namespace qs::db
