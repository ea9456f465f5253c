// Where each read of a service goes: the read node (replica) or the write
// node (primary), and what the router has seen so far. Pure decision logic
// over two NodeBreakers (node_breaker.h) and counters; Database does the
// I/O and tells it each outcome.
//
//   ReadRouter router({.replica = "quest-read (127.0.0.1:5433)",
//                      .primary = "quest-write (127.0.0.1:5432)"});
//   ReadRouter::Route route = router.Choose([&] { return freshness.ReplicaMayServe(...); });
//   if (!route.refusal.ok()) return route.refusal;            // UNAVAILABLE
//   ... run the read on route.node ...
//   router.Record(route, outcome);
//   if (route.node == ReadNode::kReplica && outcome == Outcome::kNodeFailure)
//     route = router.RetryOnPrimary();                         // the caller never sees it
//
// The rules:
// - The replica serves while its breaker admits the call (closed, or this
//   call is the half-open probe) and the freshness check says it may
//   (lag within DB_READ_MAX_LAG_MS, the call's x-min-lsn replayed). The
//   freshness check is not asked while the replica's breaker is open.
// - Replica too stale: the read goes to the primary, whatever
//   DB_READ_FALLBACK says (fail is about an unreachable replica: a stale
//   one still answers, and the primary has the fresh answer).
// - Replica unreachable (its breaker open, or a read on it failed to
//   connect): DB_READ_FALLBACK=primary sends the read to the primary at
//   once; fail answers UNAVAILABLE naming the replica.
// - The primary has a breaker too: while it is open, reads that would go
//   there, and writes, get UNAVAILABLE at once instead of each waiting on a
//   connect timeout ("write node ... unreachable").
// Thread-safe.
#ifndef QS_COMMON_DB_READ_ROUTER_H_
#define QS_COMMON_DB_READ_ROUTER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/config/db_config.h"
#include "common/db/node_breaker.h"

namespace qs::db {

enum class ReadNode { kReplica, kPrimary };

// Why reads are on the primary now.
enum class PrimaryReadsReason {
  kNone,           // They are not: the replica serves.
  kReplicaDown,    // The replica's breaker is open or half-open.
  kReplicaLagging  // The replica's sampled replay lag is over DB_READ_MAX_LAG_MS.
};

struct NodeRoutingStatus {
  std::string node;  // e.g. "quest-read (127.0.0.1:5433)"
  BreakerSnapshot breaker;
};

// Database::RoutingStatus(): for diagnostics (ops.v1.Diagnostics) and the
// metrics endpoint. Counters are cumulative since start.
struct ReadRoutingStatus {
  NodeRoutingStatus primary;
  NodeRoutingStatus replica;
  config::ReadFallback fallback = config::ReadFallback::kPrimary;
  // Whether reads go to the primary now, why, and since when (the replica's
  // breaker opening; for lag, when the lag was last sampled).
  bool reads_on_primary = false;
  PrimaryReadsReason reason = PrimaryReadsReason::kNone;
  absl::Time reads_on_primary_since = absl::InfinitePast();
  // For an operator: "reads on primary: replica down since
  // 2026-12-02T00:31:07Z" (fallback primary), "reads fail: replica down
  // since ..." (fallback fail), "reads on primary: replica lag 12.3s over
  // the 10s bound"; empty when the replica serves.
  std::string detail;
  // The replica's last sampled lag (ReadFreshness::Position); unknown:
  // lag_known false.
  bool lag_known = false;
  absl::Duration replica_lag = absl::ZeroDuration();
  // Reads the router sent to each node (a retry counts on the node it ran
  // on: one read may count twice).
  uint64_t reads_on_replica = 0;
  uint64_t reads_on_primary_total = 0;
  // Of those on the primary: because the replica was unreachable (breaker
  // open), because it was too stale, and retries after a replica
  // connection failure.
  uint64_t fallbacks = 0;
  uint64_t stale_reads = 0;
  uint64_t retries_on_primary = 0;
  // Reads answered UNAVAILABLE without trying a node (fallback fail, or
  // the primary's breaker open too).
  uint64_t refused = 0;
};

struct ReadRouterOptions {
  std::string replica;  // Node names for logs and statuses.
  std::string primary;
  config::ReadFallback fallback = config::ReadFallback::kPrimary;
  // For both breakers (node_breaker.h).
  int failure_threshold = 3;
  absl::Duration cool_down = absl::Seconds(1);
  absl::Duration probe_timeout = absl::Seconds(30);
  std::function<absl::Time()> clock;
};

class ReadRouter {
 public:
  struct Route {
    ReadNode node = ReadNode::kReplica;
    // From the breaker of `node`: hand it back to Record.
    NodeBreaker::Ticket ticket = NodeBreaker::Ticket::Refused();
    // Not OK: answer the read with it (UNAVAILABLE), touch no node.
    absl::Status refusal;
  };

  explicit ReadRouter(ReadRouterOptions options);

  // Where a read goes. `replica_fresh` is the freshness check (called at
  // most once, and only when the replica's breaker would admit).
  Route Choose(absl::FunctionRef<bool()> replica_fresh);
  // After a connection failure on the replica: the primary (fallback
  // primary), or a refusal naming the replica (fail), carrying `why`.
  Route RetryOnPrimary(const absl::Status& why);
  // A call that must run on the primary (a write, ReadFromPrimary): the
  // primary's breaker admits it, or it is refused.
  Route ForPrimary();
  // A call that must run on the replica itself (no fallback, not counted as
  // a routed read): admitted by the replica's breaker, or refused.
  Route ForReplica();

  // The outcome of a routed call (a refused route is ignored).
  void Record(const Route& route, NodeBreaker::Outcome outcome);

  // Breakers and counters; the lag fields and the lag reason are
  // Database's to fill (it owns the freshness sampler).
  ReadRoutingStatus Status() const;

  NodeBreaker& breaker(ReadNode node) { return node == ReadNode::kPrimary ? primary_ : replica_; }

 private:
  Route OnPrimary(bool count_as_read);
  absl::Status Refusal(const NodeBreaker& breaker, const std::string& role,
                       const absl::Status& why) const;

  const config::ReadFallback fallback_;
  NodeBreaker replica_;
  NodeBreaker primary_;
  std::atomic<uint64_t> reads_on_replica_{0}, reads_on_primary_{0}, fallbacks_{0}, stale_reads_{0},
      retries_on_primary_{0}, refused_{0};
};

// Whether a read's answer means the node could not be reached (connection
// refused, timed out, lost: UNAVAILABLE), reached (anything else but a
// deadline), or says nothing (DEADLINE_EXCEEDED, CANCELLED).
NodeBreaker::Outcome OutcomeOf(const absl::Status& status);

// RFC 3339 in UTC to the second, e.g. "2026-12-02T00:31:07Z".
std::string Rfc3339(absl::Time time);

}  // namespace qs::db

#endif  // QS_COMMON_DB_READ_ROUTER_H_
