// The read/write router of one service: a write pool on DB_HOST and a read
// pool on DB_READ_HOST (the same host in development), with reads routed
// around a read node that is down or behind (read_router.h).
//
//   Database db(config, "quest");
//   absl::StatusOr<int64_t> count = db.Read([&](ReadTx& tx) -> absl::StatusOr<int64_t> {
//     return tx.Query("SELECT count(*) FROM puzzles")[0][0].as<int64_t>();
//   });
//   absl::Status saved = db.Write([&](WriteTx& tx) -> absl::Status {
//     tx.Query("INSERT INTO puzzles (title) VALUES ($1)", title);
//     return absl::OkStatus();
//   });
//
// `Write` commits when the callback returns OK and rolls back otherwise.
// Every libpqxx exception thrown inside a callback becomes an absl::Status
// here (see db_error.h); nothing escapes as an exception. Writes are not
// retried (the caller decides, e.g. with an idempotency key).
//
// Read routing (every read path: Read, ReadConfirmingMiss, async_reads()):
// - A read goes to the read node while its circuit breaker is closed and
//   ReadFreshness says the replica may serve it (lag within
//   DB_READ_MAX_LAG_MS, the call's x-min-lsn replayed); otherwise to the
//   write node — or, while the read node is unreachable and
//   DB_READ_FALLBACK=fail, it gets UNAVAILABLE naming the read node. Too
//   stale a replica sends reads to the primary in both modes.
// - A read that fails on the read node for want of a connection (refused,
//   timed out, lost) is run once more on the write node at once (fail mode:
//   UNAVAILABLE): the caller does not see the outage. After 3 such
//   failures in a row (kBreakerFailures) the read node's
//   breaker opens: no read waits on its connect timeout any more; every
//   second one read probes it, and the first that succeeds brings reads
//   back. A read on the write node that loses its connection is retried
//   once on a fresh one. So a `Read` callback may run twice: it must have
//   no effect outside its return value (no appending to a captured vector,
//   no counters, no events).
// - The write node has a breaker too: while it is open, writes and the
//   reads that would go there get UNAVAILABLE at once.
//
// Connection caps (the rule the pools are sized by): each node holds at
// most DB_MAX_CONNECTIONS connections of the read budget and, on the write
// node, DB_MAX_CONNECTIONS more of the write budget:
// - read node: the read pool (DB_MAX_CONNECTIONS) — plus the async read
//   path's DB_ASYNC_READ_CONNECTIONS (up to twice that while stalled; see
//   async_read_pool.h), as before;
// - write node, write budget: the write pool (DB_MAX_CONNECTIONS), which
//   also serves ReadFromPrimary and ReadConfirmingMiss's confirmations;
// - write node, read budget, used only by reads that fall back: an async
//   pool of A = max(1, min(DB_ASYNC_READ_CONNECTIONS, DB_MAX_CONNECTIONS / 2))
//   connections (no stall extras), opened on the first fallback, and a
//   blocking pool of max(1, DB_MAX_CONNECTIONS - A), holding none while
//   unused: together at most DB_MAX_CONNECTIONS (2 when it is 1). Fallback
//   doubles the load on the write node, never its connections beyond that.
// Thread-safe.
#ifndef QS_COMMON_DB_DATABASE_H_
#define QS_COMMON_DB_DATABASE_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/config/db_config.h"
#include "common/db/async_read_pool.h"
#include "common/db/connection_pool.h"
#include "common/db/db_error.h"
#include "common/db/prepared_statement.h"
#include "common/db/read_freshness.h"
#include "common/db/read_router.h"
#include "common/db/transaction.h"

namespace qs::db {

class Database {
 public:
  // `service` names the pools ("<service>-write", "<service>-read",
  // "<service>-read-async", and on the write node for fallen-back reads
  // "<service>-read-fallback", "<service>-read-async-fallback") in logs and
  // in pg_stat_activity.application_name. `prepared`: the statements every
  // connection knows by name; the blocking pools prepare only the kPrepared
  // ones (run a kPerCall one's text with Query).
  Database(const config::DbConfig& config, const std::string& service,
           std::vector<PreparedStatement> prepared = {});
  // Stops the async pools (StopAsyncReads) before anything else goes.
  ~Database();

  template <typename Fn>
  auto Read(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>()));

  // Reads on the write node: for a read that must see the caller's own
  // write (the replica may lag behind it).
  template <typename Fn>
  auto ReadFromPrimary(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>()));

  // Reads on the read node itself, never routed elsewhere (no fallback, no
  // freshness check): for questions about the replica, such as whether it
  // has replayed the schema. UNAVAILABLE at once while its breaker is open.
  template <typename Fn>
  auto ReadOnReplica(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>()));

  // Reads (routed like Read); when the read node's answer is a miss —
  // NOT_FOUND, or whatever `is_miss(result)` says — reads once more on the
  // primary and returns that. For lookups by id just after the caller's own
  // create: the replica may not have replayed it yet, and a miss must not
  // be reported before the primary confirms it. A hit costs one replica
  // round trip; a read already served by the primary is not repeated.
  template <typename Fn>
  auto ReadConfirmingMiss(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>()));
  template <typename Fn, typename IsMiss>
  auto ReadConfirmingMiss(Fn&& fn, IsMiss&& is_miss) -> decltype(fn(std::declval<ReadTx&>()));

  template <typename Fn>
  auto Write(Fn&& fn) -> decltype(fn(std::declval<WriteTx&>()));

  // OK when the write node answers a trivial query: the service can serve
  // (reads fall back while the read node is down). For the readiness probe.
  absl::Status Ping();

  // Cancels the statements running on the blocking pools (see
  // ConnectionPool).
  void CancelRunningQueries();

  ConnectionPool& write_pool() { return *write_pool_; }
  ConnectionPool& read_pool() { return *read_pool_; }

  // The non-blocking read path (async_read_pool.h), routed like Read: on
  // the read node with the same registered statements, as
  // "<service>-read-async" in pg_stat_activity (DB_ASYNC_READ_CONNECTIONS
  // connections of its own, besides the read pool's, opened on first use),
  // or on the write node's async fallback pool. The freshness check never
  // waits here (ReadFreshness::Wait::kNoWait): this runs on serving
  // threads. Its Stats() are the read node's pool's.
  AsyncReadPool& async_reads() { return *async_reads_; }
  // Answers every async read not yet answered (UNAVAILABLE) on both nodes'
  // async pools and stops them; for the drain deadline. Idempotent.
  void StopAsyncReads();

  // Breakers, where reads go and why, and routing counters.
  ReadRoutingStatus RoutingStatus() const;

  // Both nodes' breakers: consecutive connection failures that open one,
  // and how long it stays open before a probe. One second: reads come back
  // to the replica about a second after it does, and a node that stays
  // down costs one failed probe a second.
  static constexpr int kBreakerFailures = 3;
  static constexpr absl::Duration kBreakerCoolDown = absl::Seconds(1);

  // Write transactions run (Write calls that got a connection) and their
  // round trips to the write node, since start, apart for those made during
  // a call (base::CurrentCall()) and outside any (background jobs, tools):
  // round trips per call is what a call's writes cost beyond the
  // database's own work (transaction.h), and a background job's writes must
  // not blur it.
  struct WriteCounts {
    int64_t transactions = 0;
    int64_t round_trips = 0;
  };
  struct WriteStats {
    WriteCounts in_calls;
    WriteCounts outside_calls;
  };
  WriteStats write_stats() const;

  // Every blocking pool, for metrics: node and name with its pool.
  struct PoolView {
    std::string name;
    ReadNode node;
    const ConnectionPool* pool;
  };
  std::vector<PoolView> BlockingPools() const;
  // The async pools' counters: the read node's, and the write node's
  // fallback pool once it was opened.
  struct AsyncPoolView {
    std::string name;
    ReadNode node;
    AsyncReadStats stats;
  };
  std::vector<AsyncPoolView> AsyncPoolStats() const;

 private:
  class AsyncRouting;

  static const absl::Status& StatusOf(const absl::Status& s) { return s; }
  template <typename T>
  static const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
    return s.status();
  }
  static bool IsOk(const absl::Status& s) { return s.ok(); }
  template <typename T>
  static bool IsOk(const absl::StatusOr<T>& s) {
    return s.ok();
  }

  // Runs `fn` on `pool`, `attempts` times at most while the connection is
  // lost (1 on the read node: the retry goes to the write node instead).
  template <typename Fn>
  auto ReadOn(ConnectionPool& pool, ReadTx::Kind kind, int attempts, Fn& fn)
      -> decltype(fn(std::declval<ReadTx&>()));
  // Read, telling which node answered.
  template <typename Fn>
  auto ReadRouted(Fn& fn, ReadNode& served) -> decltype(fn(std::declval<ReadTx&>()));
  // The write node's async pool for fallen-back reads, opened on first
  // use; null once StopAsyncReads began.
  AsyncReadPool* PrimaryAsync();
  // router_.Record, and when a probe found its node answering, tells that
  // node's async pool to stop backing off (its last connect failed while the
  // node was down: calls would get that failure at once, reopening the
  // breaker).
  void Record(const ReadRouter::Route& route, NodeBreaker::Outcome outcome);

  std::unique_ptr<ReadFreshness> freshness_;
  ReadRouter router_;
  // write_stats(): [0] in calls, [1] outside calls.
  void CountWrite(int round_trips);
  std::atomic<int64_t> write_transactions_[2] = {0, 0};
  std::atomic<int64_t> write_round_trips_[2] = {0, 0};
  std::unique_ptr<ConnectionPool> write_pool_;
  std::unique_ptr<ConnectionPool> read_pool_;
  std::unique_ptr<ConnectionPool> fallback_read_pool_;
  AsyncReadPoolOptions primary_async_options_;
  std::unique_ptr<AsyncRouting> async_routing_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex primary_async_mutex_;
  std::unique_ptr<AsyncReadPool> primary_async_;  // Under primary_async_mutex_.
  std::atomic<AsyncReadPool*> primary_async_ready_{nullptr};
  // Last: stopped first, while nothing else has gone.
  std::unique_ptr<AsyncReadPool> async_reads_;
};

template <typename Fn>
auto Database::ReadOn(ConnectionPool& pool, ReadTx::Kind kind, int attempts, Fn& fn)
    -> decltype(fn(std::declval<ReadTx&>())) {
  absl::Status last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    absl::StatusOr<PooledConnection> lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    try {
      ReadTx tx(lease->connection(), kind);
      return fn(tx);
    } catch (const std::exception& e) {
      last = StatusFromDbException(e, "read on " + pool.name());
      if (!IsConnectionLost(e)) return last;
      lease->MarkBroken();
    } catch (...) {
      return absl::InternalError("read on " + pool.name() + ": unknown error");
    }
  }
  return last;
}

template <typename Fn>
auto Database::ReadRouted(Fn& fn, ReadNode& served) -> decltype(fn(std::declval<ReadTx&>())) {
  ReadRouter::Route route =
      router_.Choose([this] { return freshness_->ReplicaMayServe(ReadFreshness::Wait::kMayWait); });
  if (!route.refusal.ok()) return route.refusal;
  if (route.node == ReadNode::kReplica) {
    auto on_replica = ReadOn(*read_pool_, ReadTx::Kind::kStatements, /*attempts=*/1, fn);
    const absl::Status& status = StatusOf(on_replica);
    Record(route, OutcomeOf(status));
    if (!absl::IsUnavailable(status)) {
      served = ReadNode::kReplica;
      return on_replica;
    }
    route = router_.RetryOnPrimary(status);
    if (!route.refusal.ok()) return route.refusal;
  }
  served = ReadNode::kPrimary;
  auto on_primary = ReadOn(*fallback_read_pool_, ReadTx::Kind::kStatements, /*attempts=*/2, fn);
  Record(route, OutcomeOf(StatusOf(on_primary)));
  return on_primary;
}

template <typename Fn>
auto Database::Read(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>())) {
  ReadNode served;
  return ReadRouted(fn, served);
}

template <typename Fn>
auto Database::ReadFromPrimary(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>())) {
  ReadRouter::Route route = router_.ForPrimary();
  if (!route.refusal.ok()) return route.refusal;
  auto result = ReadOn(*write_pool_, ReadTx::Kind::kReadOnlyTransaction, /*attempts=*/2, fn);
  Record(route, OutcomeOf(StatusOf(result)));
  return result;
}

template <typename Fn>
auto Database::ReadOnReplica(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>())) {
  ReadRouter::Route route = router_.ForReplica();
  if (!route.refusal.ok()) return route.refusal;
  auto result = ReadOn(*read_pool_, ReadTx::Kind::kStatements, /*attempts=*/1, fn);
  Record(route, OutcomeOf(StatusOf(result)));
  return result;
}

template <typename Fn, typename IsMiss>
auto Database::ReadConfirmingMiss(Fn&& fn, IsMiss&& is_miss)
    -> decltype(fn(std::declval<ReadTx&>())) {
  ReadNode served = ReadNode::kReplica;
  auto result = ReadRouted(fn, served);
  if (served == ReadNode::kReplica && is_miss(result)) result = ReadFromPrimary(fn);
  return result;
}

template <typename Fn>
auto Database::ReadConfirmingMiss(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>())) {
  return ReadConfirmingMiss(std::forward<Fn>(fn),
                            [](const auto& result) { return absl::IsNotFound(StatusOf(result)); });
}

template <typename Fn>
auto Database::Write(Fn&& fn) -> decltype(fn(std::declval<WriteTx&>())) {
  ReadRouter::Route route = router_.ForPrimary();
  if (!route.refusal.ok()) return route.refusal;
  absl::StatusOr<PooledConnection> lease = write_pool_->Acquire();
  if (!lease.ok()) {
    Record(route, OutcomeOf(lease.status()));
    return lease.status();
  }
  // Filled by WriteTx; read after the WriteTx is gone (its destructor may
  // roll back), before the lease returns the connection to the pool.
  WriteOutcome outcome;
  auto written = [&]() -> decltype(fn(std::declval<WriteTx&>())) {
    try {
      WriteTx tx(lease->connection(), &lease->statements(), &outcome);
      auto result = fn(tx);
      if (IsOk(result)) {
        tx.Commit();
        freshness_->RecordCommit(tx.commit_lsn());
        tx.RunAfterCommitHooks();
      }
      Record(route, NodeBreaker::Outcome::kNodeAnswered);
      return result;
    } catch (const std::exception& e) {
      absl::Status status = StatusFromDbException(e, "write on " + write_pool_->name());
      Record(route, OutcomeOf(status));
      return status;
    } catch (...) {
      Record(route, NodeBreaker::Outcome::kNodeAnswered);
      return absl::InternalError("write on " + write_pool_->name() + ": unknown error");
    }
  }();
  if (!outcome.ended_cleanly) lease->MarkBroken();
  CountWrite(outcome.round_trips);
  return written;
}

}  // namespace qs::db

#endif  // QS_COMMON_DB_DATABASE_H_
