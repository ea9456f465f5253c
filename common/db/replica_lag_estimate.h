// How stale the read node (a streaming replica) is, from samples of both
// nodes: an upper bound on the age of the newest primary state the replica
// is known to reflect. Pure logic, no I/O and no clock of its own: the
// sampler (read_freshness.cc) feeds it what it read and when.
//
//   ReplicaLagEstimate estimate;
//   absl::Duration lag = estimate.Update(primary_sample, replica_sample);
//
// Why not just `now() - pg_last_xact_replay_timestamp()` on the replica: that
// is the age of the last replayed COMMIT, which grows without bound on an
// idle primary that has nothing to replay (no commit for an hour looks like
// an hour of lag). The usual fix, "0 when pg_last_wal_receive_lsn() =
// pg_last_wal_replay_lsn()", calls a replica whose walreceiver lost the
// primary fresh forever (it has replayed all it received) and reports the
// whole idle time as lag at the first sample after writing resumes. So the
// primary is sampled too, and the lag is the smaller of two upper bounds:
//
// 1. Primary history: every sample of the primary's flush position P_j at
//    monotonic time t_j is kept until the replica passes it. A replica that
//    has replayed R >= P_j holds everything the primary had flushed (every
//    acknowledged commit) at t_j, so lag <= now - t_j for the latest such j.
//    Exact to one sampling interval; 0 on an idle system (nothing new on the
//    primary, R = P); keeps growing while replay is paused (R stuck).
// 2. Replay timestamp: the replica has replayed the commit stamped T (the
//    primary's clock), so lag <= primary clock now - T. Exact under a steady
//    write load, where bound 1 is coarse; large when idle, where bound 1 is
//    small. Both are read on the primary's clock, so clock skew between the
//    nodes does not enter. (Commit timestamps are taken just before the
//    commit record is inserted, so two commits microseconds apart may be
//    replayed in the other order: negligible against any lag bound.)
//
// Without a primary sample (the primary is unreachable) nothing newer than
// the replica's own WAL can be committed, so the classic replica-only
// estimate is used: 0 while it has replayed all it received, else the age of
// its last replayed commit on its own clock.
#ifndef QS_COMMON_DB_REPLICA_LAG_ESTIMATE_H_
#define QS_COMMON_DB_REPLICA_LAG_ESTIMATE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "absl/time/time.h"

namespace qs::db {

// One reading of the write node, taken before the replica's of the same round.
struct PrimarySample {
  absl::Duration taken_at;   // Monotonic, when the query was sent.
  uint64_t flush_lsn = 0;    // pg_current_wal_flush_lsn()
  double clock_seconds = 0;  // extract(epoch from clock_timestamp()) there.
};

// One reading of the read node.
struct ReplicaSample {
  absl::Duration answered_at;  // Monotonic, when the answer arrived.
  uint64_t replay_lsn = 0;     // pg_last_wal_replay_lsn()
  uint64_t receive_lsn = 0;    // pg_last_wal_receive_lsn()
  // extract(epoch from pg_last_xact_replay_timestamp()); null until the
  // replica has replayed a commit since it started.
  std::optional<double> replay_timestamp_seconds;
  double clock_seconds = 0;  // extract(epoch from clock_timestamp()) there.
};

class ReplicaLagEstimate {
 public:
  // At most this many primary samples are kept (13.6 min at one per 200 ms):
  // older ones are dropped, after which bound 1 is unknown until the replica
  // passes a kept one (bound 2 still applies).
  static constexpr size_t kMaxHistory = 4096;

  // The lag bound as of `replica.answered_at`; absl::InfiniteDuration() when
  // neither bound is known (then the replica must count as lagging).
  absl::Duration Update(const std::optional<PrimarySample>& primary, const ReplicaSample& replica);

  size_t history_size() const { return history_.size(); }

 private:
  struct Point {
    absl::Duration taken_at;
    uint64_t flush_lsn;
  };
  std::deque<Point> history_;  // Increasing taken_at.
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_REPLICA_LAG_ESTIMATE_H_
