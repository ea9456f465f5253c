// Whether the read node (replica) is fresh enough to serve a read, and the
// commit positions that read-your-writes across calls is built on:
// - bounded staleness: the replica's replay lag, sampled in the background
//   (never per call), must stay within DB_READ_MAX_LAG_MS (0: every read
//   on the primary);
// - read-your-writes: a call that sent `x-min-lsn` (base::CallContext::
//   min_lsn) reads on the replica only once it has replayed that LSN,
//   waiting at most DB_READ_LSN_WAIT_MS;
// - every committed write records its commit LSN in the current call
//   (base::CallContext::commit_lsn), which the serving core returns as the
//   `x-db-lsn` trailer (common/grpc/lsn_metadata_hooks.h).
// Owned by Database, which asks before each read whether the replica may
// serve it and sends the read to the primary when not. Thread-safe.
//
// The sampler: one thread, one connection to each node (application_name
// "<service>-freshness"), a round every 200 ms: the primary's flush LSN and
// clock, then the replica's replay/receive LSNs and last replayed commit
// time; replica_lag_estimate.h turns them into a lag bound (and says why an
// idle primary does not look lagging). 200 ms because the smallest lag
// bound worth setting is about a second (the default is 10 s): a round
// every 200 ms keeps the estimate within a fifth of that for two trivial
// queries five times a second, and a bound of 500 ms still survives one
// failed round (below). While a read waits for an LSN the replica polls
// every 2 ms, replay LSN only, with the full round still every 200 ms (a
// steady stream of waiting reads must not let the lag bound age out). An
// x-min-lsn more than 16 MB past the newest known position is not waited
// for (bogus, or another cluster's): straight to the primary. The
// sampler's sessions have statement_timeout 2 s and tcp_user_timeout 5 s,
// so a blackholed node cannot hold it (or shutdown) for minutes.
//
// A failed round changes nothing: the last sample ages. Its lag bound grows
// with its age (the replica reflects at least what it did then), so the
// replica counts as lagging once lag-at-sample + age > DB_READ_MAX_LAG_MS,
// whether the sampler failed or is stuck in a query: one failed round does
// not send reads to the primary, a position older than the bound does.
// The first sample is taken in the constructor; if it fails, the replica
// counts as lagging until one succeeds. Outages themselves
// are the router's (its breaker); this only says "too stale".
//
// When the read node is the write node (same host and port) nothing is
// sampled and every read may go to the "replica".
#ifndef QS_COMMON_DB_READ_FRESHNESS_H_
#define QS_COMMON_DB_READ_FRESHNESS_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "common/base/periodic_loop.h"
#include "common/config/db_config.h"
#include "common/db/replica_lag_estimate.h"
#include "pqxx/connection"

namespace qs::db {

// The replica's last sampled position.
struct ReplicaPosition {
  bool known = false;  // False until the first sample succeeded.
  // Upper bound on how far the replica trailed the primary at sampled_at;
  // absl::InfiniteDuration() when no bound could be established.
  absl::Duration lag = absl::ZeroDuration();
  uint64_t replay_lsn = 0;
  absl::Time sampled_at = absl::InfinitePast();
};

// For diagnostics and metrics.
struct FreshnessStats {
  // False when the read node is the write node: nothing is sampled.
  bool sampling = true;
  ReplicaPosition position;
  // Reads are held on the primary because the replica is too stale: the
  // last sample's lag plus its age exceed DB_READ_MAX_LAG_MS.
  bool held_on_primary = false;
  // Since when (that sum crossed the bound); InfinitePast when not held.
  absl::Time held_since = absl::InfinitePast();
  absl::Duration max_lag;
  // Reads with x-min-lsn: let onto the replica (replayed, at once or after
  // waiting), sent to the primary (not replayed in time, or held for lag),
  // and how many of either waited.
  uint64_t min_lsn_on_replica = 0;
  uint64_t min_lsn_on_primary = 0;
  uint64_t min_lsn_waits = 0;
  uint64_t samples = 0;
  uint64_t failed_samples = 0;
  // Why the last round failed; empty when it succeeded.
  std::string last_error;
};

class ReadFreshness {
 public:
  // Whether a read may wait for the replica to catch up: blocking reads
  // may (on a worker), the async path may not (on a serving thread).
  enum class Wait { kMayWait, kNoWait };

  // Starts sampling the read node on a connection of its own, named
  // "<service>-freshness" in pg_stat_activity (and one to the write node).
  // Takes the first sample before returning: usually a few ms, at most the
  // sampler's connect timeouts (2 s per node) when a node is unreachable.
  ReadFreshness(const config::DbConfig& config, const std::string& service);
  ~ReadFreshness();
  ReadFreshness(const ReadFreshness&) = delete;
  ReadFreshness& operator=(const ReadFreshness&) = delete;

  // Whether the current call's read (base::CurrentCall(); none: no
  // x-min-lsn) may go to the replica now: the replica is within the lag
  // bound and, for a call with min_lsn, has replayed it — with kMayWait
  // waiting up to DB_READ_LSN_WAIT_MS for that, with kNoWait judged from
  // the last sample. Without a min_lsn: a thread-local read, an atomic load
  // and a coarse clock read, ~10 ns (tests/common/db/freshness_bench.cc).
  bool ReplicaMayServe(Wait wait);

  // After a commit on the write node: raises the current call's commit_lsn
  // to `commit_lsn` (WriteTx::commit_lsn(), read in the commit's own round
  // trip). Nothing outside a call or for 0. Never throws.
  void RecordCommit(uint64_t commit_lsn);

  ReplicaPosition Position() const;
  FreshnessStats Stats() const;

 private:
  struct Sampler;

  bool ReplicaWithinLagBound() const;
  bool FarBeyondKnownPositions(uint64_t lsn) const;
  bool WaitForReplay(uint64_t lsn);
  void Tick();
  void SampleRound(bool log_changes);
  void PollReplay();
  void Publish(uint64_t replay_lsn);

  const bool sampling_;
  const absl::Duration max_lag_;
  const absl::Duration lsn_wait_;
  const std::string service_;

  // The hot path's whole state. stale_after_ns_: the monotonic (coarse)
  // instant at which the last sample stops vouching for the lag bound.
  std::atomic<int64_t> stale_after_ns_{0};
  std::atomic<uint64_t> replay_lsn_{0};
  // The primary's flush LSN at the last successful primary sample (0:
  // none yet); bounds the x-min-lsn worth waiting for.
  std::atomic<uint64_t> primary_lsn_{0};

  std::atomic<uint64_t> min_lsn_on_replica_{0};
  std::atomic<uint64_t> min_lsn_on_primary_{0};
  std::atomic<uint64_t> min_lsn_waits_{0};

  // Reads waiting for replay: the sampler polls fast while there are any.
  std::atomic<int> waiters_{0};
  std::mutex wait_mutex_;
  std::condition_variable replayed_;

  mutable std::mutex stats_mutex_;  // Guards the fields below.
  ReplicaPosition position_;
  uint64_t samples_ = 0;
  uint64_t failed_samples_ = 0;
  std::string last_error_;

  std::unique_ptr<Sampler> sampler_;  // Used by the loop's thread only.
  bool sampled_once_ = false;         // Likewise.
  bool held_logged_ = false;          // Likewise.
  base::PeriodicLoop loop_;           // Last: stopped before the state above goes.
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_READ_FRESHNESS_H_
