// The non-blocking read path: single-statement reads on the read node,
// answered by callback, with no thread waiting per query.
//
//   AsyncReadPool& reads = db.async_reads();      // built by Database
//   reads.Query("puzzle_by_id", {puzzle_id}, absl::Now() + absl::Seconds(1),
//               [call](absl::StatusOr<pqxx::result> rows) { call->Answer(rows); });
//
//   const CoalescedLookup kPuzzleById{"puzzles_by_ids", "id", LookupKeyForm::kUuid};
//   reads.Lookup(kPuzzleById, puzzle_id, deadline,
//                [call](absl::StatusOr<std::optional<pqxx::row>> row) { ... });
//
// One event-loop thread owns up to `connections` libpq connections in
// pipeline mode (PipelinedConnection) to the read node only, each session
// read-only (default_transaction_read_only=on, set in the startup packet, so
// a write statement fails with FAILED_PRECONDITION) and named
// `application_name` = options.name (Database uses "<service>-read-async").
// It takes statement names only: the statements are the PreparedStatement
// list (statement_registry.h), looked up once per call in a map built once
// per pool. A kPrepared statement is prepared on every connection before its
// first query and runs by name; a kPerCall one is never prepared and goes
// with its registered text on every call (PQsendQueryParams), so PostgreSQL
// plans it for that call's values. There is no WriteTx here and no way to
// run SQL text a caller passes: the text is the service's, registered.
//
// Guarantees:
// - Query/Lookup are thread-safe and never block the caller. `done` runs
//   exactly once and must not block (hand heavy work elsewhere). For a call
//   accepted it runs on the loop thread. A call refused before any work
//   (INTERNAL for a statement name that is not registered, naming it;
//   RESOURCE_EXHAUSTED past max_pending, INVALID_ARGUMENT for a malformed
//   lookup key, UNAVAILABLE once Stop() has begun) is answered at once on
//   the calling thread, inside Query/Lookup: so the caller must not hold a
//   lock its `done` takes. Refusals cost no queue: overload cannot grow
//   the loop's backlog. A call made from inside a `done` is answered only
//   after that `done` returns, never nested in it, so a `done` that calls
//   again on a refusal does not deepen the stack (one that does so without
//   limit still never ends: retry UNAVAILABLE with a backoff, elsewhere).
// - Bounded: `connections` connections (opened on first use, then kept and
//   replaced in the background), more only in place of stalled ones and
//   never more than `max_connections` open or opening; at most `pipeline_depth`
//   statements out per connection, and at most `max_pending` calls accepted
//   and not yet answered; past that a call gets RESOURCE_EXHAUSTED at once,
//   before any work. Calls wait in arrival order for a pipeline slot.
// - Deadlines: a call not sent by its deadline is never sent
//   (DEADLINE_EXCEEDED); one out on the wire gets DEADLINE_EXCEEDED at its
//   deadline and its late answer is dropped.
// - Stalls: PostgreSQL answers a pipeline in order, so a statement that
//   does not come back (waiting on a lock replayed from the primary, or
//   slow) holds every statement behind it on its connection. A connection
//   whose head statement has gone unanswered `stall_after` (100 ms; seen
//   within a quarter of that, pipeline_progress.h) takes no new statement;
//   the calls go to the other connections, or wait for one. In place of
//   each stalled connection the pool opens another, up to
//   `max_connections` (Database: 2 x `connections`); connections beyond
//   `connections` close once idle `extra_idle_timeout` (never while that
//   would leave fewer than `connections` unstalled ones). Statements already
//   behind a stuck one stay there while it has callers (they may be stuck on
//   the same lock: sent elsewhere they would stall that connection too). A new connection
//   prepares under a 50 ms lock_timeout, so a locked table cannot hold it
//   either (pipelined_connection.h).
// - Giving up a stuck statement: a stalled connection whose head statement's
//   callers were all answered (deadline; for a lookup batch, all its
//   lookups) is abandoned: closed as if lost, so the statements behind it
//   are sent again on another connection (counted as their one retry), and
//   only then is its backend sent a cancel (PQcancel, on
//   StatementCanceller's one helper thread, never on the loop) to end the
//   stuck statement on the server. Cancelling first would not do:
//   PostgreSQL signals a backend twice per cancel request, so a cancel that
//   ends the dead statement can also end the live one behind it. A dead
//   head that still moves (not stalled) is left to finish: its late answer
//   is dropped.
// - A lost connection (restart, pg_terminate_backend): each of its
//   unanswered calls is sent once more on another connection (reads are
//   idempotent; the blocking read path retries once too) or, sent twice
//   already or with no connection to be had, gets UNAVAILABLE. The
//   connection is replaced with non-blocking connects bounded by
//   `connect_timeout`; while none can be made, calls get UNAVAILABLE within
//   that timeout instead of waiting. After a failed connect only a timer
//   tries again (one connect at a time, backing off from 100 ms to 5 s);
//   meanwhile a call that finds no connection open or opening gets
//   UNAVAILABLE at once, whatever the number of calls.
// - A statement that fails without ending the session (SQL errors, libpq
//   refusing it, e.g. past 65535 parameters) is that call's answer, never
//   retried, and leaves the connection as it was.
// - Errors follow db_error.h (UNAVAILABLE, DEADLINE_EXCEEDED for 57014,
//   FAILED_PRECONDITION for a write on the read-only session, INTERNAL with
//   the detail in the log, ...).
// - Coalescing (Lookup): the calls of one CoalescedLookup that wait while
//   its statement is out go together in the next statement (no timer), at
//   most `max_lookup_batch` distinct keys each; a key asked twice shares one
//   row. Each caller gets its own row, or nullopt for its own miss. A batch
//   stops holding the next ones back once all its callers are answered
//   (e.g. by their deadlines), and is out at most `lookup_timeout` whatever
//   its callers' deadlines (DEADLINE_EXCEEDED for them past it).
#ifndef QS_COMMON_DB_ASYNC_READ_POOL_H_
#define QS_COMMON_DB_ASYNC_READ_POOL_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/coalesced_lookup.h"
#include "common/db/event_loop.h"
#include "common/db/pipelined_connection.h"
#include "common/db/prepared_statement.h"
#include "common/db/statement_canceller.h"
#include "common/db/statement_registry.h"
#include "pqxx/result"
#include "pqxx/row"

namespace qs::db {

struct AsyncReadPoolOptions {
  // libpq connection string of the read node (holds the password). Name
  // the host by address where you can: a host name is resolved with a
  // blocking lookup on the loop thread at every connect
  // (pipelined_connection.h).
  std::string conninfo;
  // application_name of its sessions, and the name in statuses and logs.
  std::string name;
  // The statements callers may name (kPrepared and kPerCall).
  std::vector<PreparedStatement> prepared;
  // Connections to the read node (DB_ASYNC_READ_CONNECTIONS for Database;
  // db_config.h has the measured default).
  int connections = 4;
  // The hard cap on open and opening connections, stalled ones included.
  // Up to it the pool opens a connection in place of each stalled one; 0
  // (the default) means `connections`: no extra connection. Database sets
  // 2 x `connections`: each stalled connection replaced once, and a bound
  // the read node's max_connections can be planned with.
  int max_connections = 0;
  // A connection whose head statement (the one the server is on) has gone
  // unanswered this long is stalled: it takes no new statement while it
  // stays so. 100 ms: the hot reads take well under a millisecond at the
  // median and a few at p99 (async_read_pool_bench), so a healthy statement
  // is not taken for stuck; yet it is a tenth of the usual 1 s call
  // deadline, so the calls steered away still have most of theirs. (The
  // head's own time counts, not the queue's: a deep pipeline that keeps
  // answering is load, not a stall.)
  absl::Duration stall_after = absl::Milliseconds(100);
  // A connection beyond `connections` closes once idle this long.
  absl::Duration extra_idle_timeout = absl::Seconds(10);
  int pipeline_depth = 32;
  int max_pending = 4096;
  int max_lookup_batch = 256;
  // The longest a batch of lookups is out: the bound for callers without
  // a deadline (InfiniteFuture, or gRPC's time_point::max) on a peer that
  // stopped answering.
  absl::Duration lookup_timeout = absl::Seconds(5);
  absl::Duration connect_timeout = absl::Seconds(20);
};

// Counters since construction (for tests, benchmarks and diagnostics).
struct AsyncReadStats {
  uint64_t calls = 0;             // Query + Lookup calls accepted.
  uint64_t statements_sent = 0;   // Statements put on the wire (batches count once).
  uint64_t lookups = 0;           // Lookup calls accepted.
  uint64_t lookup_batches = 0;    // Statements those lookups went out as.
  uint64_t lookup_keys_sent = 0;  // Keys in them (a key asked twice in one batch: once).
  uint64_t retried = 0;           // Statements sent again after a lost connection.
  uint64_t rejected = 0;          // RESOURCE_EXHAUSTED (past max_pending).
  uint64_t deadline_exceeded = 0;
  uint64_t connects = 0;     // Connections opened (successfully).
  int open_connections = 0;  // Connected now.
  uint64_t stalls = 0;       // Times a connection was found stalled.
  uint64_t cancels = 0;      // Cancel requests the server took.
  uint64_t abandoned = 0;    // Stalled connections given up for a dead head.
  uint64_t idle_closed = 0;  // Connections beyond `connections` closed when idle.
  // Entries the loop holds for calls not yet sent (statement ids and lookup
  // waiters in its queues), stale ones of calls answered meanwhile
  // included: compacted, so at most about twice the calls waiting.
  uint64_t queued_entries = 0;
};

using AsyncQueryDone = std::function<void(absl::StatusOr<pqxx::result>)>;
using AsyncLookupDone = std::function<void(absl::StatusOr<std::optional<pqxx::row>>)>;

// Takes the calls made on a pool before the pool does: Database's read
// routing (database.h) sends each to the replica's pool or the primary's
// (with QueryOnThisNode / LookupOnThisNode), or answers it at once. A
// router keeps the pool's contract: `done` runs exactly once and a call is
// never blocked on.
class AsyncReadRouter {
 public:
  virtual ~AsyncReadRouter() = default;
  virtual void Query(const std::string& name, std::vector<std::optional<std::string>> params,
                     absl::Time deadline, AsyncQueryDone done) = 0;
  virtual void Lookup(const CoalescedLookup& lookup, std::string key, absl::Time deadline,
                      AsyncLookupDone done) = 0;
};

class AsyncReadPool final : private PipelinedConnectionListener {
 public:
  using QueryDone = AsyncQueryDone;
  using LookupDone = AsyncLookupDone;

  // Starts the loop thread; connects on first use.
  explicit AsyncReadPool(AsyncReadPoolOptions options);
  // Stop().
  ~AsyncReadPool() override;
  AsyncReadPool(const AsyncReadPool&) = delete;
  AsyncReadPool& operator=(const AsyncReadPool&) = delete;

  // Runs registered statement `name` with text parameters (nullopt =
  // NULL). A name not in options.prepared gets INTERNAL at once ("statement
  // \"<name>\" is not registered"), and nothing is sent: it is the
  // service's bug, not the caller's input (statement_registry.h).
  void Query(const std::string& name, std::vector<std::optional<std::string>> params,
             absl::Time deadline, QueryDone done);

  // Looks `key` up through `lookup`, coalesced with concurrent lookups of
  // the same statement. `key` must be in the form `lookup.key_form` states;
  // a malformed one gets INVALID_ARGUMENT ("key: ...") and is never sent.
  // `lookup.statement` not registered: INTERNAL at once, as for Query.
  void Lookup(const CoalescedLookup& lookup, std::string key, absl::Time deadline, LookupDone done);

  // From now on Query and Lookup hand every call to `router` (not owned;
  // it must outlive the pool's use; set before the first call). The router
  // runs the calls it sends here with these, which bypass it.
  void SetRouter(AsyncReadRouter* router) { router_.store(router, std::memory_order_release); }
  void QueryOnThisNode(const std::string& name, std::vector<std::optional<std::string>> params,
                       absl::Time deadline, QueryDone done);
  void LookupOnThisNode(const CoalescedLookup& lookup, std::string key, absl::Time deadline,
                        LookupDone done);

  // Ends a reconnect backoff now (one connect, as after the backoff): for
  // the read router, when the node has just answered elsewhere (a probe on
  // the blocking path) or the next call probes it, so the call does not get
  // the last connect failure at once while the node is back.
  void RetryConnectingNow();

  // Answers everything not yet answered with UNAVAILABLE, closes the
  // connections and joins the loop thread. Idempotent, and a concurrent
  // second Stop returns only once the first has joined; not from `done`.
  void Stop();

  AsyncReadStats Stats() const;
  const std::string& name() const { return options_.name; }

 private:
  // A statement waiting for, or out on, a connection.
  struct PendingStatement {
    const PreparedStatement* statement;  // In registry_.
    std::vector<std::optional<std::string>> params;
    absl::Time deadline;
    QueryDone done;
    // `done` is the pool's own (a lookup batch's), not a caller's: called
    // directly, so each caller's answer inside it is the outermost one.
    bool internal = false;
    int sends = 0;
    bool on_wire = false;
    EventLoop::TimerId deadline_timer = 0;
  };
  struct LookupBatch;
  struct LookupWaiter {
    LookupDone done;
    absl::Time deadline;
    EventLoop::TimerId deadline_timer = 0;
    std::shared_ptr<LookupBatch> batch;  // Once sent.
  };
  // The lookups of one CoalescedLookup.
  struct LookupQueue {
    CoalescedLookup lookup;
    const PreparedStatement* statement = nullptr;  // lookup.statement, in registry_.
    std::deque<std::string> keys;                  // Distinct keys waiting, in arrival order.
    std::unordered_map<std::string, std::vector<uint64_t>> waiters_by_key;
    size_t waiter_entries = 0;  // In waiters_by_key, answered ones included.
    int batches_out = 0;
  };
  // One statement of lookups.
  struct LookupBatch {
    LookupQueue* queue;
    uint64_t statement_id = 0;
    std::unordered_map<std::string, std::vector<uint64_t>> waiters_by_key;
    size_t unanswered = 0;
    // No longer counted in queue->batches_out: answered, or all its
    // waiters were (their deadlines) before it.
    bool released = false;
  };

  // Caller's thread: OK, or why the call is refused before any work
  // (RESOURCE_EXHAUSTED past max_pending, UNAVAILABLE after Stop).
  absl::Status Admit();
  // Posts `task`, or runs it here once the loop has stopped.
  void RunOnLoop(std::function<void()> task);

  // Loop thread only.
  // Returns the statement's id.
  uint64_t Enqueue(PendingStatement statement);
  void Dispatch();
  void Requeue(uint64_t id, const absl::Status& why);
  void Complete(uint64_t id, absl::StatusOr<pqxx::result> result);
  void FailWaiting(const absl::Status& why);
  PipelinedConnection* LeastBusyConnection();
  void EnsureConnections();
  bool OpenConnection();
  void OnConnectFailed(const absl::Status& why);
  void ScheduleReconnect(absl::Duration delay);
  void RemoveLater(PipelinedConnection& connection);
  void AddLookup(const CoalescedLookup& lookup, const PreparedStatement& statement, std::string key,
                 absl::Time deadline, LookupDone done);
  void SendBatches(LookupQueue& queue);
  void AnswerBatch(LookupBatch& batch, const absl::StatusOr<pqxx::result>& rows);
  void ReleaseBatch(LookupBatch& batch);
  void AnswerLookup(uint64_t waiter_id, absl::StatusOr<std::optional<pqxx::row>> answer);
  // Drops the ids of answered calls from waiting_ / a lookup queue once
  // they outnumber the live ones (amortised: memory stays ~2x live).
  void CompactWaiting();
  void CompactLookupQueue(LookupQueue& queue);
  void UpdateQueuedEntries();
  void StopOnLoop();
  // Stall avoidance (async_read_pool_stalls.cc).
  int ConnectionCap() const;
  // Connections not closed, and how many EnsureConnections keeps open: the
  // configured count plus one per stalled connection, up to the cap.
  std::pair<int, int> LiveAndWantedConnections() const;
  // Keeps the progress timer running while there is anything to watch.
  void WatchProgress();
  void OnProgressTick();
  // Gives up `connection` (stalled) when its head statement has no callers
  // any more, then cancels that statement's backend; true if it did.
  bool AbandonDeadHead(PipelinedConnection& connection);
  void OnCancelSent(const absl::Status& sent);
  void CloseIdleExtras(absl::Time now);
  void Remove(PipelinedConnection& connection);

  // PipelinedConnectionListener.
  void OnConnected(PipelinedConnection& connection) override;
  void OnQueryDone(PipelinedConnection& connection, uint64_t token,
                   absl::StatusOr<pqxx::result> result, QueryEnd end) override;
  void OnClosed(PipelinedConnection& connection, absl::Status why,
                std::vector<uint64_t> unanswered) override;

  const AsyncReadPoolOptions options_;
  // Built once from options_.prepared, read by callers' threads (Query,
  // Lookup) and shared by every connection.
  const std::shared_ptr<const StatementRegistry> registry_;
  // Before the state it serves: connections unwatch their sockets from it
  // when destroyed (on the loop thread, in Stop).
  EventLoop loop_;
  PipelinedConnectionOptions connection_options_;

  std::atomic<AsyncReadRouter*> router_{nullptr};
  std::atomic<int> pending_calls_{0};
  std::atomic<bool> stopping_{false};
  struct Counters {
    std::atomic<uint64_t> calls{0}, statements_sent{0}, lookups{0}, lookup_batches{0},
        lookup_keys_sent{0}, retried{0}, rejected{0}, deadline_exceeded{0}, connects{0}, stalls{0},
        cancels{0}, abandoned{0}, idle_closed{0};
    std::atomic<int> open_connections{0};
    std::atomic<uint64_t> queued_entries{0};
  };
  Counters counters_;

  // Loop thread only.
  bool warm_ = false;  // Connections were asked for: keep them open from now.
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, PendingStatement> statements_;
  std::deque<uint64_t> waiting_;  // Ids not yet sent; stale ids are skipped.
  std::vector<std::unique_ptr<PipelinedConnection>> connections_;
  std::unordered_set<PipelinedConnection*> connected_;
  int connecting_ = 0;
  absl::Duration reconnect_backoff_ = absl::ZeroDuration();
  // Why the last connect failed: the answer while backing off.
  absl::Status connect_failure_;
  // After a failed connect, none before this (see EnsureConnections).
  absl::Time connect_not_before_ = absl::InfinitePast();
  EventLoop::TimerId reconnect_timer_ = 0;
  std::unordered_map<std::string, LookupQueue> lookup_queues_;
  std::unordered_map<uint64_t, LookupWaiter> lookup_waiters_;
  // Samples the connections' progress while any has statements out, a
  // cancel in progress, or there are more than `connections`.
  EventLoop::TimerId progress_timer_ = 0;

  // After the loop: destroyed (joined) first, and its callbacks post to the
  // loop, which refuses them once stopped.
  StatementCanceller canceller_;
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_ASYNC_READ_POOL_H_
