#include "common/db/connection_pool.h"

#include <poll.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "pqxx/nontransaction"
#include "spdlog/spdlog.h"

namespace qs::db {
namespace {

// An idle connection has nothing to read: we never LISTEN, so readable
// means the server sent a FATAL (terminate, shutdown) or closed the socket.
bool LooksAlive(const pqxx::connection& connection) {
  if (!connection.is_open()) return false;
  pollfd fd{connection.sock(), POLLIN, 0};
  if (fd.fd < 0) return false;
  int ready = poll(&fd, 1, 0);
  return ready == 0;
}

std::chrono::steady_clock::time_point SteadyDeadline(absl::Duration timeout) {
  return std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
}

}  // namespace

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : pool_(other.pool_), session_(std::move(other.session_)), broken_(other.broken_) {
  other.pool_ = nullptr;
}

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
  if (this != &other) {
    if (pool_ != nullptr && session_) {
      pool_->Release(std::move(session_), broken_);
    }
    pool_ = other.pool_;
    session_ = std::move(other.session_);
    broken_ = other.broken_;
    other.pool_ = nullptr;
  }
  return *this;
}

PooledConnection::~PooledConnection() {
  if (pool_ != nullptr && session_) {
    pool_->Release(std::move(session_), broken_);
  }
}

ConnectionPool::ConnectionPool(PoolOptions options)
    : options_(std::move(options)),
      maintenance_(options_.maintenance_interval, [this] { Maintain(); }) {
  maintenance_.Start();
}

ConnectionPool::~ConnectionPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  available_.notify_all();
  maintenance_.Stop();
  std::lock_guard<std::mutex> lock(mutex_);
  if (in_use_ > 0) {
    spdlog::error("pool {}: destroyed with {} connection(s) still lent", options_.name, in_use_);
  }
  idle_.clear();  // pqxx closes each connection in its destructor.
}

std::unique_ptr<PooledSession> ConnectionPool::Open() {
  auto session = std::make_unique<PooledSession>(options_.conninfo);
  // We replace broken connections ourselves; libpqxx's silent reconnect
  // would hide a lost session from the caller's transaction.
  session->connection.inhibit_reactivation(true);
  if (options_.on_connect) options_.on_connect(session->connection);
  return session;
}

absl::StatusOr<PooledConnection> ConnectionPool::Acquire() {
  const absl::Time start = absl::Now();
  absl::StatusOr<PooledConnection> lease = AcquireUntimed();
  RecordAcquireWait(absl::Now() - start);
  return lease;
}

void ConnectionPool::RecordAcquireWait(absl::Duration waited) {
  const double seconds = absl::ToDoubleSeconds(waited);
  int bucket = 0;
  while (bucket < AcquireWaitHistogram::kBuckets &&
         seconds > AcquireWaitHistogram::kBounds[bucket]) {
    ++bucket;
  }
  wait_counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  wait_nanos_.fetch_add(static_cast<uint64_t>(absl::ToInt64Nanoseconds(waited)),
                        std::memory_order_relaxed);
}

absl::StatusOr<PooledConnection> ConnectionPool::AcquireUntimed() {
  const auto deadline = SteadyDeadline(options_.acquire_timeout);
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (stopping_) return absl::UnavailableError("connection pool is stopping");
    while (!idle_.empty()) {
      std::unique_ptr<PooledSession> candidate = std::move(idle_.back().connection);
      idle_.pop_back();
      if (LooksAlive(candidate->connection)) return Lend(std::move(candidate));
      spdlog::warn("pool {}: dropped a connection the server closed", options_.name);
      lock.unlock();
      candidate.reset();  // Closing a socket may block briefly: not under lock.
      lock.lock();
      available_.notify_one();  // Its slot is free.
    }
    if (in_use_ + opening_ + static_cast<int>(idle_.size()) < options_.max_connections) {
      ++opening_;
      lock.unlock();
      std::unique_ptr<PooledSession> fresh;
      std::string failure;
      try {
        fresh = Open();
      } catch (const std::exception& e) {
        failure = e.what();
      }
      lock.lock();
      --opening_;
      if (fresh) return Lend(std::move(fresh));
      available_.notify_one();
      while (!failure.empty() && (failure.back() == '\n')) failure.pop_back();
      return absl::UnavailableError(
          absl::StrCat("database unavailable (", options_.name, "): ", failure));
    }
    ++waiting_;
    const std::cv_status waited = available_.wait_until(lock, deadline);
    --waiting_;
    if (waited == std::cv_status::timeout) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "connection pool ", options_.name, " exhausted: all ", options_.max_connections,
          " connections busy for ", absl::FormatDuration(options_.acquire_timeout)));
    }
  }
}

PooledConnection ConnectionPool::Lend(std::unique_ptr<PooledSession> connection) {
  ++in_use_;
  lent_backend_pids_.insert(connection->connection.backendpid());
  return PooledConnection(this, std::move(connection));
}

void ConnectionPool::Release(std::unique_ptr<PooledSession> connection, bool broken) {
  // A connection left inside a transaction or with a dead socket is not
  // reusable; libpqxx transactions always end before the lease does.
  bool reusable = !broken && LooksAlive(connection->connection);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --in_use_;
    lent_backend_pids_.erase(connection->connection.backendpid());
    if (reusable && !stopping_) {
      idle_.push_back({std::move(connection), absl::Now()});
    }
  }
  available_.notify_one();
  // A discarded connection is closed here, outside the lock.
}

absl::Status ConnectionPool::CancelRunningQueries() {
  std::string pids;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int pid : lent_backend_pids_) {
      absl::StrAppend(&pids, pids.empty() ? "" : ",", pid);
    }
  }
  if (pids.empty()) return absl::OkStatus();
  try {
    // A role may cancel its own backends; this extra connection lives for
    // one statement only and is not counted against max_connections.
    pqxx::connection canceller(options_.conninfo);
    pqxx::nontransaction tx(canceller);
    tx.exec_params("SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid",
                   absl::StrCat("{", pids, "}"));
    spdlog::warn("pool {}: cancelled running queries on backends {}", options_.name, pids);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("pool ", options_.name, ": cannot cancel running queries: ", e.what()));
  }
}

PoolStats ConnectionPool::Stats() const {
  PoolStats stats;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats.idle = static_cast<int>(idle_.size());
    stats.in_use = in_use_;
    stats.opening = opening_;
    stats.waiting = waiting_;
  }
  for (size_t i = 0; i < wait_counts_.size(); ++i) {
    stats.acquire_wait.counts[i] = wait_counts_[i].load(std::memory_order_relaxed);
    stats.acquire_wait.count += stats.acquire_wait.counts[i];
  }
  stats.acquire_wait.sum_seconds =
      static_cast<double>(wait_nanos_.load(std::memory_order_relaxed)) / 1e9;
  return stats;
}

void ConnectionPool::ReapIdle(std::vector<std::unique_ptr<PooledSession>>& to_close) {
  const absl::Time cutoff = absl::Now() - options_.idle_timeout;
  // Connections the server closed while idle (restart, terminate) go first,
  // so that TopUpToMin replaces them before a caller needs one.
  for (auto it = idle_.begin(); it != idle_.end();) {
    if (LooksAlive(it->connection->connection)) {
      ++it;
    } else {
      to_close.push_back(std::move(it->connection));
      it = idle_.erase(it);
    }
  }
  // Oldest idle connections sit at the front.
  auto total = [&] { return in_use_ + opening_ + static_cast<int>(idle_.size()); };
  while (!idle_.empty() && total() > options_.min_connections &&
         idle_.front().idle_since < cutoff) {
    to_close.push_back(std::move(idle_.front().connection));
    idle_.erase(idle_.begin());
  }
}

void ConnectionPool::TopUpToMin() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_ &&
         in_use_ + opening_ + static_cast<int>(idle_.size()) < options_.min_connections) {
    ++opening_;
    lock.unlock();
    std::unique_ptr<PooledSession> fresh;
    try {
      fresh = Open();
    } catch (const std::exception& e) {
      // Once per outage, not once a tick: a node down for an hour is one
      // line here (the read router logs its own state changes).
      if (!top_up_failing_) {
        spdlog::warn("pool {}: cannot open a connection yet (retrying every {}): {}", options_.name,
                     absl::FormatDuration(options_.maintenance_interval), e.what());
      }
      top_up_failing_ = true;
    }
    lock.lock();
    --opening_;
    if (!fresh) return;  // Try again on the next tick.
    if (top_up_failing_) spdlog::info("pool {}: connecting again", options_.name);
    top_up_failing_ = false;
    idle_.push_back({std::move(fresh), absl::Now()});
    available_.notify_one();
  }
}

void ConnectionPool::Maintain() {
  std::vector<std::unique_ptr<PooledSession>> to_close;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    ReapIdle(to_close);
  }
  if (!to_close.empty()) {
    spdlog::debug("pool {}: closing {} idle connection(s)", options_.name, to_close.size());
    to_close.clear();
    available_.notify_all();
  }
  TopUpToMin();
}

}  // namespace qs::db
