// One libpq connection in pipeline mode, driven by an EventLoop: connects
// without blocking (PQconnectStart/PQconnectPoll), prepares the registry's
// kPrepared statements, then takes registered statements while earlier ones
// are still out: a kPrepared one runs by name (PQsendQueryPrepared), a
// kPerCall one with its registered text (PQsendQueryParams, the unnamed
// statement, so PostgreSQL plans it for that call's values).
//
// The prepares run under lock_timeout = 50ms, and the connection is ready
// (OnConnected) only once they are answered: preparing locks a statement's
// tables, and a lock replayed from the primary would otherwise hold a new
// connection for as long as it lasts. A statement that does not prepare
// (its table locked, or its SQL wrong) goes with its text on this
// connection, planned per call, for the connection's life.
//
//   PipelinedConnection connection(loop, options, listener);
//   absl::Status started = connection.Connect();   // loop thread
//   ...listener.OnConnected(connection)...
//   if (connection.HasCapacity()) {
//     const PreparedStatement* by_id = options.statements->Find("puzzle_by_id");
//     absl::Status sent = connection.Send(token, *by_id, {id});
//     // !sent.ok(): libpq refused it (never sent); no OnQueryDone follows.
//   }
//   ...listener.OnQueryDone(connection, token, rows, end)...
//
// Each query is followed by its own sync point, so one failing query does
// not abort the ones behind it (each runs as its own implicit transaction,
// like the blocking read pool's statements).
//
// Contract: loop thread only. The listener is called from the loop's
// callbacks and from nothing else (never from inside Connect or Send), so it
// may call Send again; it must not destroy the connection while being
// called (the pool defers that with EventLoop::Post). After OnClosed the
// connection answers nothing more and only waits to be destroyed.
//
// A session found broken (a failed send or read, PQsocket() gone, the
// server's FATAL) is closed from a zero-delay timer, never left to an epoll
// event that may not come: libpq closes the socket itself when a send meets
// the peer's end, so nothing would ever be reported for it.
//
// Progress: the connection counts what it sent and what came back
// (PipelineProgress, no clock read per statement); its owner samples it on
// a timer (SampleProgress) to learn that it is stalled or idle.
//
// Giving up: Abandon hands out a cancel handle for the backend and closes
// the connection soon, as if lost: its unanswered queries go back to the
// owner (OnClosed) to be sent elsewhere. The owner sends the cancel off the
// loop thread (statement_canceller.h) once no caller listens to that
// backend: PostgreSQL signals a backend twice per cancel request, so a
// cancel sent to a live session could also end the statement after the
// one it was meant for.
//
// Known limit: libpq resolves host names with a blocking getaddrinfo inside
// PQconnectStart/PQconnectPoll, on the loop thread, and the connect timer
// cannot interrupt it. With `host` a numeric address (or `hostaddr` set) no
// lookup happens; with a name, a slow resolver stalls every connection of
// the loop for as long as the lookup takes, at each (re)connect.
#ifndef QS_COMMON_DB_PIPELINED_CONNECTION_H_
#define QS_COMMON_DB_PIPELINED_CONNECTION_H_

#include <postgresql/libpq-fe.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/event_loop.h"
#include "common/db/pipeline_progress.h"
#include "common/db/prepared_statement.h"
#include "common/db/statement_registry.h"
#include "pqxx/result"

namespace qs::db {

class PipelinedConnection;

// How a query sent on a connection ended.
enum class QueryEnd {
  // Its answer (rows or the statement's own error).
  kAnswered,
  // It failed because the session ended (restart, pg_terminate_backend), so
  // it may be sent again elsewhere.
  kConnectionLost,
};

class PipelinedConnectionListener {
 public:
  virtual ~PipelinedConnectionListener() = default;
  // Connected and ready for Send.
  virtual void OnConnected(PipelinedConnection& connection) = 0;
  // The answer to the query sent with `token`, and how it ended.
  virtual void OnQueryDone(PipelinedConnection& connection, uint64_t token,
                           absl::StatusOr<pqxx::result> result, QueryEnd end) = 0;
  // The connection could not be made, or broke. `unanswered` are the tokens
  // of the queries sent on it that got no answer.
  virtual void OnClosed(PipelinedConnection& connection, absl::Status why,
                        std::vector<uint64_t> unanswered) = 0;
};

struct PipelinedConnectionOptions {
  // libpq connection string (holds the password: never log it).
  std::string conninfo;
  // Names the connection in statuses and logs, e.g. "quest-read-async".
  std::string name;
  // Shared by every connection of a pool; its kPrepared statements are
  // prepared on each connection as it opens.
  std::shared_ptr<const StatementRegistry> statements;
  absl::Duration connect_timeout = absl::Seconds(20);
  // Queries out at once (sent, not yet answered).
  int max_depth = 32;
};

class PipelinedConnection {
 public:
  PipelinedConnection(EventLoop& loop, const PipelinedConnectionOptions& options,
                      PipelinedConnectionListener& listener);
  // Closes the session without calling the listener.
  ~PipelinedConnection();
  PipelinedConnection(const PipelinedConnection&) = delete;
  PipelinedConnection& operator=(const PipelinedConnection&) = delete;

  // Starts connecting. An error here (e.g. the node refused at once) means
  // the connection is closed already, and the listener is not called.
  absl::Status Connect();

  bool ready() const { return state_ == State::kReady; }
  bool closed() const { return state_ == State::kClosed; }
  // Queries sent and not yet answered (the statements it prepares on
  // connecting take no slot: they go first and are answered first).
  int in_flight() const { return queries_in_flight_; }
  bool HasCapacity() const { return ready() && !broken_ && in_flight() < options_.max_depth; }
  // A unique number per connection of the process (never reused): names it
  // in callbacks that may outlive it.
  uint64_t serial() const { return serial_; }

  // Progress (see above). SampleProgress records the counts at `now`;
  // stalled(): the statement at the head of the pipeline (a query or a
  // prepare) had been there `stall_after` at the last sample, and has not
  // been answered since (pipeline_progress.h).
  void SampleProgress(absl::Time now, absl::Duration stall_after) {
    progress_.Sample(now, stall_after);
  }
  bool stalled() const { return progress_.stalled(); }
  bool idle() const { return progress_.idle(); }
  absl::Duration IdleFor(absl::Time now) const { return progress_.IdleFor(now); }
  // The token of the oldest query out, if a query (not a prepare) is.
  std::optional<uint64_t> head_token() const;

  // Gives the session up (see above): a handle to cancel what its backend
  // runs (PQgetCancel; the caller frees it, e.g. through
  // StatementCanceller), or null when not ready; either way the connection
  // closes soon with `why` for the queries it leaves unanswered, reported
  // as lost (OnClosed), and takes nothing new meanwhile.
  PGcancel* Abandon(absl::Status why);

  // Sends `statement` (one of options.statements: a kPrepared one is
  // prepared here) with text parameters (nullopt is NULL). Only when
  // HasCapacity(). Its answer comes as OnQueryDone(token).
  // INTERNAL when libpq refuses the statement itself (e.g. more than 65535
  // parameters, out of memory) on a healthy session: it was not sent, no
  // OnQueryDone follows, and the connection stays as it was (a retry
  // elsewhere would fail the same way). A send that fails because the
  // session is gone is OK here and answered as lost.
  absl::Status Send(uint64_t token, const PreparedStatement& statement,
                    const std::vector<std::optional<std::string>>& params);

 private:
  // kPreparing: connected, its statements being prepared; ready (and
  // reported OnConnected) once they are all answered.
  enum class State { kConnecting, kPreparing, kReady, kClosed };
  // What the pipeline owes us, in the order it was sent.
  struct Expected {
    uint64_t token;
    bool is_prepare;  // A setup entry: a prepare or a setting, no token.
    const PreparedStatement* prepares = nullptr;
    bool got_result = false;
    std::optional<absl::StatusOr<pqxx::result>> outcome;
    QueryEnd end = QueryEnd::kAnswered;
  };

  void OnEvents(uint32_t events);
  void ContinueConnect();
  void OnConnectionMade();
  // Queues one setup entry (`sql`, or preparing `prepares`) with its sync;
  // false (closed) when the session is gone.
  bool SendSetup(const char* sql, const PreparedStatement* prepares);
  void OnSetUp();
  bool serving() const { return state_ == State::kPreparing || state_ == State::kReady; }
  void ReadResults();
  void Deliver(Expected finished);
  void Flush();
  // Watches libpq's current socket for `events`. While connecting it
  // registers again after every PQconnectPoll: libpq may have closed the
  // socket and opened a new one under the same number.
  void WatchSocket(uint32_t events);
  // Sends nothing more, and closes from a zero-delay timer.
  void MarkBroken();
  // Close(why) from a zero-delay timer (not inside Connect or Send).
  void CloseSoon();
  // Why the session ended, for the queries it leaves unanswered.
  absl::Status LostStatus() const;
  void Close(absl::Status why);

  EventLoop& loop_;
  const PipelinedConnectionOptions options_;
  PipelinedConnectionListener& listener_;
  PGconn* conn_ = nullptr;
  State state_ = State::kConnecting;
  EventLoop::WatchId watch_id_ = 0;
  int watched_fd_ = -1;
  uint32_t watched_events_ = 0;
  // A send failed, or the server said the session ends: closed by
  // close_timer_ (never inside Send), and sent nothing more meanwhile.
  bool broken_ = false;
  EventLoop::TimerId close_timer_ = 0;
  // What the server said when it ended the session (e.g. 57P01), if it did.
  absl::Status end_of_session_;
  EventLoop::TimerId connect_timer_ = 0;
  std::deque<Expected> pipeline_;
  int queries_in_flight_ = 0;
  const uint64_t serial_;
  // kPrepared statements that did not prepare here: sent with their text.
  std::vector<const PreparedStatement*> unprepared_;
  PipelineProgress progress_;
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_PIPELINED_CONNECTION_H_
