// A bounded pool of libpqxx connections to one PostgreSQL node.
//
//   ConnectionPool pool(PoolOptions{.conninfo = ..., .name = "quest-write",
//                                   .min_connections = 5,
//                                   .max_connections = 20});
//   absl::StatusOr<PooledConnection> lease = pool.Acquire();
//   if (!lease.ok()) return lease.status();  // UNAVAILABLE/RESOURCE_EXHAUSTED
//   pqxx::work tx(lease->connection());
//   ...                                      // the lease returns it on scope exit
//
// Guarantees:
// - At most `max_connections` connections exist at any time (open, opening,
//   or lent); `min_connections` are kept open by a background thread, which
//   also closes idle connections above min after `idle_timeout`.
// - A connection is lent to one caller at a time.
// - `Acquire` waits at most `acquire_timeout`, then fails with
//   RESOURCE_EXHAUSTED (all busy) or UNAVAILABLE (the node cannot be reached).
// - A connection the server closed (restart, pg_terminate_backend) is found
//   before it is lent, and replaced; one that breaks while lent is dropped
//   when the caller marks it broken.
// Thread-safe.
#ifndef QS_COMMON_DB_CONNECTION_POOL_H_
#define QS_COMMON_DB_CONNECTION_POOL_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/base/periodic_loop.h"
#include "common/db/session_statements.h"
#include "pqxx/connection"

namespace qs::db {

struct PoolOptions {
  // libpq connection string (holds the password: never log it).
  std::string conninfo;
  // Names the pool in logs and errors, e.g. "quest-write".
  std::string name;
  int min_connections = 5;
  int max_connections = 20;
  absl::Duration idle_timeout = absl::Seconds(30);
  absl::Duration acquire_timeout = absl::Seconds(20);
  // How often min is topped up and idle connections are reaped.
  absl::Duration maintenance_interval = absl::Seconds(1);
  // Runs on each new connection before it is first lent (e.g. to prepare
  // statements). May throw; the connection is then discarded.
  std::function<void(pqxx::connection&)> on_connect;
};

class ConnectionPool;

// One pooled connection and what this process keeps of its server session:
// the statements WriteTx has prepared on it (session_statements.h), which
// live and die with the connection.
struct PooledSession {
  explicit PooledSession(const std::string& conninfo) : connection(conninfo) {}
  pqxx::connection connection;
  SessionStatements statements;
};

// Exclusive use of one pooled connection; returns it to the pool when
// destroyed. Move-only.
class PooledConnection {
 public:
  PooledConnection(PooledConnection&& other) noexcept;
  PooledConnection& operator=(PooledConnection&& other) noexcept;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;
  ~PooledConnection();

  pqxx::connection& connection() { return session_->connection; }
  SessionStatements& statements() { return session_->statements; }

  // The connection failed mid-use: the pool closes it instead of reusing it.
  void MarkBroken() { broken_ = true; }

 private:
  friend class ConnectionPool;
  PooledConnection(ConnectionPool* pool, std::unique_ptr<PooledSession> session)
      : pool_(pool), session_(std::move(session)) {}

  ConnectionPool* pool_;
  std::unique_ptr<PooledSession> session_;
  bool broken_ = false;
};

// How long Acquire calls took (from the call to the lease or the error,
// connecting included), cumulative since the pool was built: fixed bucket
// bounds in seconds, so every pool's histogram has the same buckets (the
// metrics endpoint exports them as a Prometheus histogram).
struct AcquireWaitHistogram {
  static constexpr int kBuckets = 12;
  // Upper bounds (inclusive, seconds) of buckets 0..kBuckets-1; the last
  // bucket, counts[kBuckets], takes everything above.
  static constexpr std::array<double, kBuckets> kBounds = {
      0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
  // Acquire calls per bucket (not cumulative: counts[i] holds bounds
  // (kBounds[i-1], kBounds[i]]).
  std::array<uint64_t, kBuckets + 1> counts{};
  uint64_t count = 0;
  double sum_seconds = 0;
};

struct PoolStats {
  int idle = 0;
  int in_use = 0;
  int opening = 0;
  // Callers blocked in Acquire now, waiting for a connection to be returned
  // (all max_connections lent or opening).
  int waiting = 0;
  AcquireWaitHistogram acquire_wait;
  int total() const { return idle + in_use + opening; }
};

class ConnectionPool {
 public:
  // Starts the maintenance thread, which opens `min_connections` in the
  // background: a node that is down at start-up does not stop construction.
  explicit ConnectionPool(PoolOptions options);
  // Every PooledConnection must have been destroyed before the pool.
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  absl::StatusOr<PooledConnection> Acquire();

  PoolStats Stats() const;

  // Asks the server to cancel the statement running on every lent
  // connection (pg_cancel_backend, over a short-lived extra connection).
  // For shutdown: a caller stuck in a long query then fails at once with
  // DEADLINE_EXCEEDED instead of holding the process past its drain deadline.
  absl::Status CancelRunningQueries();
  const std::string& name() const { return options_.name; }

 private:
  friend class PooledConnection;
  struct IdleConnection {
    std::unique_ptr<PooledSession> connection;
    absl::Time idle_since;
  };

  // Opens one connection (outside the lock). Throws what libpqxx throws.
  std::unique_ptr<PooledSession> Open();
  absl::StatusOr<PooledConnection> AcquireUntimed();
  void RecordAcquireWait(absl::Duration waited);
  // Records a connection as lent (under the lock) and wraps it in a lease.
  PooledConnection Lend(std::unique_ptr<PooledSession> connection);
  void Release(std::unique_ptr<PooledSession> connection, bool broken);
  // One pass of the maintenance thread: reap, then top up to min.
  void Maintain();
  void ReapIdle(std::vector<std::unique_ptr<PooledSession>>& to_close);
  void TopUpToMin();

  const PoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable available_;  // An idle connection or a free slot.
  // Most recently used at the back: lending from the back lets the others
  // age out when load drops.
  std::vector<IdleConnection> idle_;
  std::set<int> lent_backend_pids_;
  int in_use_ = 0;
  int opening_ = 0;
  int waiting_ = 0;
  bool top_up_failing_ = false;  // The maintenance thread's only.
  // The acquire-wait histogram, lock-free (Acquire records after the lock).
  std::array<std::atomic<uint64_t>, AcquireWaitHistogram::kBuckets + 1> wait_counts_{};
  std::atomic<uint64_t> wait_nanos_{0};
  bool stopping_ = false;
  // Last: stopped before the state it maintains is destroyed.
  base::PeriodicLoop maintenance_;
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_CONNECTION_POOL_H_
