#include "common/db/async_read_pool.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/async_read_pool_answers.h"
#include "spdlog/spdlog.h"

namespace qs::db {
namespace {

constexpr absl::Duration kFirstReconnectBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxReconnectBackoff = absl::Seconds(5);
// Below this many entries a queue is never compacted (not worth a pass).
constexpr size_t kCompactionFloor = 64;

// The session settings that make this the read path: read-only, and UTF8
// (pq_result.h wraps results as UTF8). In the startup packet, so they cost
// no round trip and hold before the first statement.
std::string ReadOnlyConninfo(const std::string& conninfo) {
  return absl::StrCat(conninfo, " options='-c default_transaction_read_only=on'",
                      " client_encoding=UTF8");
}

}  // namespace

namespace async_read_internal {

InlineAnswers::State& InlineAnswers::ThisThread() {
  thread_local State state;
  return state;
}

void InlineAnswers::Run(std::function<void()> task) {
  Run([](std::function<void()> run) { run(); }, std::move(task));
}

InlineAnswers::Answering::~Answering() {
  struct Clear {
    State& state;
    ~Clear() { state.answering = false; }
  } clear{state_};
  while (!state_.queued.empty()) {
    std::function<void()> next = std::move(state_.queued.front());
    state_.queued.pop_front();
    next();
  }
}

}  // namespace async_read_internal

using async_read_internal::InlineAnswers;

AsyncReadPool::AsyncReadPool(AsyncReadPoolOptions options)
    : options_(std::move(options)),
      registry_(std::make_shared<const StatementRegistry>(options_.prepared)),
      loop_(options_.name),
      // Each connection has at most one cancel request out (StartCancel).
      canceller_(options_.name, static_cast<size_t>(ConnectionCap())) {
  connection_options_.conninfo = ReadOnlyConninfo(options_.conninfo);
  connection_options_.name = options_.name;
  connection_options_.statements = registry_;
  connection_options_.connect_timeout = options_.connect_timeout;
  connection_options_.max_depth = options_.pipeline_depth;
  connect_failure_ =
      absl::UnavailableError(absl::StrCat("database unavailable (", options_.name, ")"));
}

AsyncReadPool::~AsyncReadPool() { Stop(); }

void AsyncReadPool::Stop() {
  stopping_ = true;
  // Calls posted before this task see `stopping_` and answer UNAVAILABLE.
  std::function<void()> stop = [this] { StopOnLoop(); };
  (void)loop_.Post(std::move(stop));
  loop_.Stop();
  canceller_.Stop();
}

void AsyncReadPool::RunOnLoop(std::function<void()> task) {
  // Refused only once the loop is stopping: the task then answers
  // UNAVAILABLE itself, here (see the contract in the header).
  if (!loop_.Post(std::move(task))) InlineAnswers::Run(std::move(task));
}

absl::Status AsyncReadPool::Admit() {
  if (stopping_) return absl::UnavailableError(absl::StrCat(options_.name, " is stopped"));
  if (pending_calls_.fetch_add(1) >= options_.max_pending) {
    pending_calls_.fetch_sub(1);
    ++counters_.rejected;
    return absl::ResourceExhaustedError(
        absl::StrCat(options_.name, ": ", options_.max_pending, " reads already waiting"));
  }
  ++counters_.calls;
  return absl::OkStatus();
}

void AsyncReadPool::Query(const std::string& name, std::vector<std::optional<std::string>> params,
                          absl::Time deadline, QueryDone done) {
  if (AsyncReadRouter* router = router_.load(std::memory_order_acquire)) {
    router->Query(name, std::move(params), deadline, std::move(done));
    return;
  }
  QueryOnThisNode(name, std::move(params), deadline, std::move(done));
}

void AsyncReadPool::Lookup(const CoalescedLookup& lookup, std::string key, absl::Time deadline,
                           LookupDone done) {
  if (AsyncReadRouter* router = router_.load(std::memory_order_acquire)) {
    router->Lookup(lookup, std::move(key), deadline, std::move(done));
    return;
  }
  LookupOnThisNode(lookup, std::move(key), deadline, std::move(done));
}

void AsyncReadPool::QueryOnThisNode(const std::string& name,
                                    std::vector<std::optional<std::string>> params,
                                    absl::Time deadline, QueryDone done) {
  // Resolved here, once: a retry on another connection reuses it.
  const PreparedStatement* statement = registry_->Find(name);
  absl::Status admitted =
      statement != nullptr ? Admit() : StatementRegistry::NotRegistered(name, options_.name);
  if (!admitted.ok()) {
    InlineAnswers::Run(std::move(done), absl::StatusOr<pqxx::result>(admitted));
    return;
  }
  RunOnLoop(
      [this, statement, params = std::move(params), deadline, done = std::move(done)]() mutable {
        QueryDone answer = [this, done = std::move(done)](absl::StatusOr<pqxx::result> result) {
          --pending_calls_;  // First: `done` may issue the next call.
          done(std::move(result));
        };
        if (stopping_) {
          InlineAnswers::Run(std::move(answer), absl::StatusOr<pqxx::result>(absl::UnavailableError(
                                                    absl::StrCat(options_.name, " is stopped"))));
          return;
        }
        Enqueue(PendingStatement{statement, std::move(params), deadline, std::move(answer)});
        Dispatch();
      });
}

void AsyncReadPool::LookupOnThisNode(const CoalescedLookup& lookup, std::string key,
                                     absl::Time deadline, LookupDone done) {
  const PreparedStatement* statement = registry_->Find(lookup.statement);
  absl::StatusOr<std::string> canonical =
      statement != nullptr ? CanonicalLookupKey(lookup.key_form, key)
                           : StatementRegistry::NotRegistered(lookup.statement, options_.name);
  absl::Status admitted = canonical.ok() ? Admit() : canonical.status();
  if (!admitted.ok()) {
    InlineAnswers::Run(std::move(done), absl::StatusOr<std::optional<pqxx::row>>(admitted));
    return;
  }
  ++counters_.lookups;
  RunOnLoop([this, lookup, statement, key = std::move(*canonical), deadline,
             done = std::move(done)]() mutable {
    LookupDone answer = [this,
                         done = std::move(done)](absl::StatusOr<std::optional<pqxx::row>> row) {
      --pending_calls_;
      done(std::move(row));
    };
    if (stopping_) {
      InlineAnswers::Run(std::move(answer),
                         absl::StatusOr<std::optional<pqxx::row>>(
                             absl::UnavailableError(absl::StrCat(options_.name, " is stopped"))));
      return;
    }
    AddLookup(lookup, *statement, std::move(key), deadline, std::move(answer));
  });
}

AsyncReadStats AsyncReadPool::Stats() const {
  AsyncReadStats stats;
  stats.calls = counters_.calls;
  stats.statements_sent = counters_.statements_sent;
  stats.lookups = counters_.lookups;
  stats.lookup_batches = counters_.lookup_batches;
  stats.lookup_keys_sent = counters_.lookup_keys_sent;
  stats.retried = counters_.retried;
  stats.rejected = counters_.rejected;
  stats.deadline_exceeded = counters_.deadline_exceeded;
  stats.connects = counters_.connects;
  stats.open_connections = counters_.open_connections;
  stats.stalls = counters_.stalls;
  stats.cancels = counters_.cancels;
  stats.abandoned = counters_.abandoned;
  stats.idle_closed = counters_.idle_closed;
  stats.queued_entries = counters_.queued_entries;
  return stats;
}

// ---- Statements: queue, dispatch, answers (loop thread) ----

uint64_t AsyncReadPool::Enqueue(PendingStatement statement) {
  const uint64_t id = next_id_++;
  if (statement.deadline != absl::InfiniteFuture()) {
    statement.deadline_timer = loop_.RunAt(statement.deadline, [this, id] {
      auto found = statements_.find(id);
      if (found == statements_.end()) return;
      found->second.deadline_timer = 0;
      ++counters_.deadline_exceeded;
      Complete(id, absl::DeadlineExceededError(absl::StrCat(
                       "read on ", options_.name, ": deadline exceeded ",
                       found->second.on_wire ? "waiting for the answer" : "before it was sent")));
    });
  }
  statements_.emplace(id, std::move(statement));
  waiting_.push_back(id);
  CompactWaiting();
  return id;
}

void AsyncReadPool::CompactWaiting() {
  // An id answered while it waits (its deadline) leaves waiting_ only when
  // it reaches the front, and a live call there (no slot free) holds back
  // any number behind it.
  if (waiting_.size() <= 2 * statements_.size() + kCompactionFloor) return;
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(),
                                [&](uint64_t id) {
                                  auto found = statements_.find(id);
                                  return found == statements_.end() || found->second.on_wire;
                                }),
                 waiting_.end());
}

void AsyncReadPool::UpdateQueuedEntries() {
  uint64_t entries = waiting_.size();
  for (const auto& [statement, queue] : lookup_queues_) entries += queue.waiter_entries;
  counters_.queued_entries = entries;
}

void AsyncReadPool::Complete(uint64_t id, absl::StatusOr<pqxx::result> result) {
  auto found = statements_.find(id);
  if (found == statements_.end()) return;
  if (found->second.deadline_timer != 0) loop_.Cancel(found->second.deadline_timer);
  QueryDone done = std::move(found->second.done);
  const bool internal = found->second.internal;
  statements_.erase(found);
  if (internal) {
    done(std::move(result));
  } else {
    InlineAnswers::Run(std::move(done), std::move(result));
  }
}

PipelinedConnection* AsyncReadPool::LeastBusyConnection() {
  PipelinedConnection* best = nullptr;
  for (const std::unique_ptr<PipelinedConnection>& connection : connections_) {
    // A stalled one would hold the statement behind its stuck one.
    if (connection->HasCapacity() && !connection->stalled() &&
        (best == nullptr || connection->in_flight() < best->in_flight())) {
      best = connection.get();
    }
  }
  return best;
}

void AsyncReadPool::Dispatch() {
  if (stopping_) return;
  if (!waiting_.empty()) EnsureConnections();
  if (!waiting_.empty() && connected_.empty() && connecting_ == 0) {
    // Backing off after failed connects (EnsureConnections opened none):
    // waiting could only end at the deadlines.
    FailWaiting(connect_failure_);
  }
  bool sent_any = false;
  while (!waiting_.empty()) {
    const uint64_t id = waiting_.front();
    auto found = statements_.find(id);
    if (found == statements_.end() || found->second.on_wire) {
      waiting_.pop_front();  // Answered (deadline) while it waited.
      continue;
    }
    PipelinedConnection* connection = LeastBusyConnection();
    if (connection == nullptr) break;  // Sent when a slot frees or a connection opens.
    waiting_.pop_front();
    PendingStatement& statement = found->second;
    if (statement.deadline <= absl::Now()) {
      // Its timer has not run yet (the loop was busy): still never sent.
      ++counters_.deadline_exceeded;
      Complete(id, absl::DeadlineExceededError(absl::StrCat(
                       "read on ", options_.name, ": deadline exceeded before it was sent")));
      continue;
    }
    absl::Status sent = connection->Send(id, *statement.statement, statement.params);
    if (!sent.ok()) {
      Complete(id, std::move(sent));  // libpq refused it: the same anywhere.
      continue;
    }
    statement.on_wire = true;
    sent_any = true;
    if (++statement.sends > 1) ++counters_.retried;
    ++counters_.statements_sent;
  }
  if (sent_any) WatchProgress();
  UpdateQueuedEntries();
}

void AsyncReadPool::Requeue(uint64_t id, const absl::Status& why) {
  auto found = statements_.find(id);
  if (found == statements_.end()) return;  // Answered already (deadline).
  found->second.on_wire = false;
  // Once more on another connection; a second loss is the caller's answer.
  if (found->second.sends < 2 && !stopping_) {
    waiting_.push_front(id);
  } else {
    Complete(id, why);
  }
}

void AsyncReadPool::FailWaiting(const absl::Status& why) {
  std::deque<uint64_t> failed;
  failed.swap(waiting_);
  for (uint64_t id : failed) {
    auto found = statements_.find(id);
    if (found != statements_.end() && !found->second.on_wire) Complete(id, why);
  }
}

// ---- Connections (loop thread) ----

void AsyncReadPool::EnsureConnections() {
  warm_ = true;
  // Backing off after a failed connect: only the reconnect timer tries
  // again. A call that started one itself would cost the node a fork and an
  // authentication per call while it fails fast (refused, starting up, too
  // many connections); such calls are answered UNAVAILABLE (Dispatch).
  if (absl::Now() < connect_not_before_) return;
  auto [live, wanted] = LiveAndWantedConnections();
  if (reconnect_backoff_ > absl::ZeroDuration()) {
    // The last connect failed: probe with one; the rest follow once it
    // succeeds (OnConnected clears the backoff).
    if (connecting_ > 0) return;
    wanted = std::min(wanted, live + 1);
  }
  while (live < wanted && !stopping_) {
    if (!OpenConnection()) return;
    ++live;
  }
}

bool AsyncReadPool::OpenConnection() {
  PipelinedConnectionListener& listener = *this;  // A private base: converted here.
  auto connection = std::make_unique<PipelinedConnection>(loop_, connection_options_, listener);
  absl::Status started = connection->Connect();
  if (!started.ok()) {
    OnConnectFailed(started);
    return false;
  }
  ++connecting_;
  connections_.push_back(std::move(connection));
  return true;
}

void AsyncReadPool::OnConnectFailed(const absl::Status& why) {
  spdlog::warn("{}: cannot connect: {}", options_.name, std::string(why.message()));
  connect_failure_ = why;
  reconnect_backoff_ =
      std::min(kMaxReconnectBackoff, std::max(kFirstReconnectBackoff, reconnect_backoff_ * 2));
  connect_not_before_ = absl::Now() + reconnect_backoff_;
  ScheduleReconnect(reconnect_backoff_);
  // With nothing connected or connecting, the waiting calls would only wait
  // out their deadlines: they learn now that the node is unreachable.
  if (connected_.empty() && connecting_ == 0) FailWaiting(why);
}

void AsyncReadPool::RetryConnectingNow() {
  (void)loop_.Post([this] {
    if (!warm_ || stopping_) return;
    connect_not_before_ = absl::InfinitePast();
    EnsureConnections();
    Dispatch();
  });
}

void AsyncReadPool::ScheduleReconnect(absl::Duration delay) {
  if (reconnect_timer_ != 0 || stopping_) return;
  reconnect_timer_ = loop_.RunAt(absl::Now() + delay, [this] {
    reconnect_timer_ = 0;
    if (!warm_ || stopping_) return;
    if (const absl::Time now = absl::Now(); now < connect_not_before_) {
      ScheduleReconnect(connect_not_before_ - now);  // A connect failed meanwhile.
      return;
    }
    EnsureConnections();
    Dispatch();
  });
}

void AsyncReadPool::RemoveLater(PipelinedConnection& connection) {
  // Not now: the connection is inside one of its own callbacks.
  std::function<void()> remove = [this, closed = &connection] {
    connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                      [&](const std::unique_ptr<PipelinedConnection>& c) {
                                        return c.get() == closed;
                                      }),
                       connections_.end());
  };
  (void)loop_.Post(std::move(remove));  // Refused when stopping: StopOnLoop clears all.
}

void AsyncReadPool::OnConnected(PipelinedConnection& connection) {
  --connecting_;
  connected_.insert(&connection);
  ++counters_.connects;
  ++counters_.open_connections;
  reconnect_backoff_ = absl::ZeroDuration();
  connect_not_before_ = absl::InfinitePast();
  WatchProgress();
  Dispatch();
}

void AsyncReadPool::OnQueryDone(PipelinedConnection& /*connection*/, uint64_t token,
                                absl::StatusOr<pqxx::result> result, QueryEnd end) {
  auto found = statements_.find(token);
  if (end == QueryEnd::kConnectionLost) {
    Requeue(token, result.status());
  } else if (found != statements_.end()) {
    Complete(token, std::move(result));
  }
  // Else its deadline answered it already: the late answer is dropped.
  Dispatch();
}

void AsyncReadPool::OnClosed(PipelinedConnection& connection, absl::Status why,
                             std::vector<uint64_t> unanswered) {
  RemoveLater(connection);
  if (connected_.erase(&connection) > 0) {
    --counters_.open_connections;
    spdlog::warn("{}: connection lost ({} statements out): {}", options_.name, unanswered.size(),
                 std::string(why.message()));
    // Kept in their order, ahead of the calls that came after them.
    for (auto id = unanswered.rbegin(); id != unanswered.rend(); ++id) Requeue(*id, why);
    ScheduleReconnect(absl::ZeroDuration());
  } else {
    --connecting_;
    OnConnectFailed(why);
  }
  Dispatch();
}

// ---- Stop (loop thread) ----

void AsyncReadPool::StopOnLoop() {
  const absl::Status why = absl::UnavailableError(absl::StrCat(options_.name, " is stopping"));
  if (reconnect_timer_ != 0) loop_.Cancel(reconnect_timer_);
  reconnect_timer_ = 0;
  if (progress_timer_ != 0) loop_.Cancel(progress_timer_);
  progress_timer_ = 0;
  std::vector<uint64_t> statement_ids;
  for (const auto& [id, statement] : statements_) statement_ids.push_back(id);
  for (uint64_t id : statement_ids) Complete(id, why);  // Batches answer their lookups.
  std::vector<uint64_t> waiter_ids;
  for (const auto& [id, waiter] : lookup_waiters_) waiter_ids.push_back(id);
  for (uint64_t id : waiter_ids) AnswerLookup(id, why);
  waiting_.clear();
  connected_.clear();
  counters_.open_connections = 0;
  connections_.clear();  // Closes the sessions, on the loop thread.
}

}  // namespace qs::db
