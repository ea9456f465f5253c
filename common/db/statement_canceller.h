// Sends libpq cancel requests off the event loop. PQcancel (libpq 15) is
// blocking: it opens a new connection to the server, sends the request and
// waits for the server to close it. So the async read pool hands each
// request to this one helper thread and never calls PQcancel on its loop.
//
//   StatementCanceller canceller("quest-read-async", /*max_queued=*/8);
//   canceller.Cancel(PQgetCancel(conn), [](absl::Status sent) { ... });
//
// Contract:
// - Cancel is thread-safe and never blocks. Requests run one at a time, in
//   arrival order; at most `max_queued` wait. `done` runs on the helper
//   thread after PQcancel returned: OK when the server took the request,
//   UNAVAILABLE with libpq's reason when it could not be sent.
// - A request refused (queue full, stopping, or a null handle) returns
//   false; `done` is never called for it.
// - Stop drops the requests not yet started (their `done` is not called)
//   and waits up to `stop_wait` for the one running. Against an unreachable
//   host PQcancel's own connect can take as long as TCP takes to give up,
//   so past that wait the helper thread is left to finish on its own: it
//   holds only its own state (shared with nothing but this object's, which
//   it keeps alive) and calls no `done` once Stop has begun.
#ifndef QS_COMMON_DB_STATEMENT_CANCELLER_H_
#define QS_COMMON_DB_STATEMENT_CANCELLER_H_

#include <postgresql/libpq-fe.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace qs::db {

class StatementCanceller {
 public:
  using Done = std::function<void(absl::Status)>;

  // Starts the helper thread. `name` shows in statuses and logs.
  StatementCanceller(std::string name, size_t max_queued,
                     absl::Duration stop_wait = absl::Seconds(1));
  // Stop().
  ~StatementCanceller();
  StatementCanceller(const StatementCanceller&) = delete;
  StatementCanceller& operator=(const StatementCanceller&) = delete;

  // Takes `cancel` (from PQgetCancel; freed in every case).
  bool Cancel(PGcancel* cancel, Done done);

  // Idempotent; a concurrent second Stop returns once the first is done.
  void Stop();

 private:
  struct State;  // What the helper thread and this object share.

  const absl::Duration stop_wait_;
  std::shared_ptr<State> state_;
  // Held through the whole of Stop: a second Stop waits for the first.
  std::mutex stop_mutex_;
  std::thread thread_;  // Last: started once the state above exists.
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_STATEMENT_CANCELLER_H_
