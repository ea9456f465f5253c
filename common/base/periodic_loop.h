// A background thread that runs `tick` every `interval` until stopped, and
// runs it early on demand: the shape of every maintenance or relay loop
// (the pool's top-up, the leaderboard's histogram refresh, an outbox relay).
//
//   class Refresher {
//    public:
//     Refresher() : loop_(absl::Seconds(60), [this] { RefreshAll(); }) {}
//     void Start() { loop_.Start(); }
//     void SomethingChanged() { loop_.WakeNow(); }  // refresh soon, not in 60 s
//
//    private:
//     void RefreshAll() {
//       for (const std::string& key : Keys()) {
//         if (loop_.StopRequested()) return;  // shutting down: bail out early
//         Refresh(key);
//       }
//     }
//     ...                 // state the tick uses
//     PeriodicLoop loop_;  // last: stopped before the state above is destroyed
//   };
//
// Guarantees:
// - One thread runs every tick, so ticks never overlap. The first tick runs
//   as soon as Start() is called, the next `interval` after a tick returns
//   (the interval is the pause between ticks, not a fixed rate).
// - A WakeNow() is never lost: one requested while a tick runs makes another
//   tick start right after it; several requests before a tick starts are
//   served by that one tick.
// - Stop() waits for a running tick to return, then joins the thread; no
//   tick starts after Stop() has been called. A tick that may take long
//   should check StopRequested() between its steps.
//
// Thread-safety: every method may be called from any thread. Stop() called
// from inside `tick` only requests the stop (it cannot wait for itself); the
// destructor, or a Stop() from another thread, joins.
#ifndef QS_COMMON_BASE_PERIODIC_LOOP_H_
#define QS_COMMON_BASE_PERIODIC_LOOP_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/time/time.h"

namespace qs::base {

class PeriodicLoop {
 public:
  // `tick` must not throw. `interval` may be absl::InfiniteDuration() for a
  // loop that runs only when woken (and once at Start()).
  PeriodicLoop(absl::Duration interval, std::function<void()> tick);
  // Stops the loop (see Stop()).
  ~PeriodicLoop();
  PeriodicLoop(const PeriodicLoop&) = delete;
  PeriodicLoop& operator=(const PeriodicLoop&) = delete;

  // Starts the thread, which runs the first tick at once. Later calls, and
  // a call after Stop(), do nothing.
  void Start();

  // Makes the next tick start now instead of at the end of the interval;
  // while a tick runs, one more tick follows it. Before Start(), the first
  // tick (which runs at once anyway) serves it.
  void WakeNow();

  // Requests the stop, waits for a running tick to return and joins the
  // thread. Idempotent.
  void Stop();

  // True once Stop() has been called: a long tick returns early.
  bool StopRequested() const { return stop_requested_.load(); }

 private:
  void Run();

  const absl::Duration interval_;
  const std::function<void()> tick_;

  std::mutex lifecycle_mutex_;  // Serialises Start() and Stop(); guards thread_.
  std::thread thread_;
  std::atomic<std::thread::id> loop_thread_{};  // Set by the thread itself.

  std::mutex mutex_;  // Guards wake_requested_; stop_requested_ is set under it.
  std::condition_variable wake_;
  bool wake_requested_ = false;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace qs::base

#endif  // QS_COMMON_BASE_PERIODIC_LOOP_H_
