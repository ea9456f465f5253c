// One thread that waits on file descriptors (epoll) and timers, and runs
// tasks posted from other threads (woken through an eventfd).
//
//   EventLoop loop("quest-read-async");
//   loop.Post([&] {                       // from any thread
//     EventLoop::WatchId watch = loop.Watch(fd, EPOLLIN, [](uint32_t events) { ... });
//     loop.RunAt(absl::Now() + absl::Seconds(1), [] { ... });
//   });
//   loop.Stop();                          // runs what was posted, then joins
//
// Contract:
// - Every callback (posted task, fd watcher, timer) runs on the loop thread,
//   one at a time, in the order its cause was seen; a callback must not
//   block. Watch/Modify/Unwatch/RunAt/Cancel are for the loop thread only
//   (call them from a callback, or from a posted task).
// - A watcher removed with Unwatch is never called again, even for events
//   epoll had already returned in the same batch; so is a cancelled timer.
// - Watchers are named by the id Watch returns, never by fd number: a
//   socket closed by someone else (libpq, while connecting or on failure)
//   leaves epoll by itself, and its number may come back at once for a new
//   socket, of the same owner or another. Unwatching the old id never
//   removes the new socket's registration, and Modify re-registers a new
//   socket that took over the watched number.
// - Post is thread-safe and never blocks on the loop's work. A task posted
//   after Stop() began is refused (Post returns false) and never runs.
#ifndef QS_COMMON_DB_EVENT_LOOP_H_
#define QS_COMMON_DB_EVENT_LOOP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace qs::db {

class EventLoop {
 public:
  using TimerId = uint64_t;
  // 0 is never a watch (Watch's answer when epoll refused the fd).
  using WatchId = uint64_t;

  // Starts the thread. `name` shows in logs.
  explicit EventLoop(std::string name);
  // Stops (see Stop) if not yet stopped.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Queues `task` to run on the loop thread. Once Stop has begun: false,
  // and `task` is left as it was (the caller may run it itself).
  bool Post(std::function<void()>&& task);

  // Runs the tasks already posted, then ends the thread and joins it.
  // Returns only once the thread has ended, also when another thread's
  // Stop is under way. Must not be called from the loop thread.
  void Stop();

  bool InLoopThread() const { return std::this_thread::get_id() == thread_.get_id(); }

  // Loop thread only. `events` are EPOLLIN/EPOLLOUT bits; `on_ready` gets
  // what epoll reported (EPOLLERR/EPOLLHUP included). 0 (logged) when epoll
  // refuses `fd`, e.g. it is not open.
  WatchId Watch(int fd, uint32_t events, std::function<void(uint32_t)> on_ready);
  // New `events` for the watch, registering its fd again if the socket
  // there now is a new one. False when epoll refuses it (logged), or when
  // a newer watch holds its fd number (this watch's socket is gone).
  bool Modify(WatchId id, uint32_t events);
  // 0 and unknown ids are ignored.
  void Unwatch(WatchId id);

  // Loop thread only. `fn` runs once at or soon after `when`.
  TimerId RunAt(absl::Time when, std::function<void()> fn);
  void Cancel(TimerId id);

 private:
  struct Watcher {
    int fd;
    std::function<void(uint32_t)> on_ready;
  };
  struct Timer {
    TimerId id;
    std::function<void()> fn;
  };

  void Run();
  void RunPostedTasks();
  void RunDueTimers();
  int MillisecondsUntilNextTimer() const;

  const std::string name_;
  const int epoll_fd_;
  const int wake_fd_;

  // Held through the whole of Stop, join included: a second Stop waits.
  std::mutex stop_mutex_;
  bool stopped_ = false;  // Guarded by stop_mutex_: Stop has joined.

  std::mutex mutex_;
  std::vector<std::function<void()>> posted_;  // Guarded by mutex_.
  bool stopping_ = false;                      // Guarded by mutex_.

  // Loop thread only. Watchers are found by a fresh id per Watch (epoll's
  // user data), never by fd: a closed fd number may be reused at once.
  // `registered_by_fd_` names the watch whose registration an fd number
  // holds now: only that one may remove it (EPOLL_CTL_DEL goes by number).
  WatchId next_watch_id_ = 1;
  std::unordered_map<WatchId, Watcher> watchers_;
  std::unordered_map<int, WatchId> registered_by_fd_;
  TimerId next_timer_id_ = 1;
  std::multimap<absl::Time, Timer> timers_;
  std::unordered_map<TimerId, std::multimap<absl::Time, Timer>::iterator> timer_by_id_;

  // Last: started once the state above exists.
  std::thread thread_;
};

// The epoll_wait timeout for the next timer, due in `wait`: 0 when due,
// else rounded up to whole milliseconds (waking early would spin), at most
// INT_MAX (epoll takes an int: a far deadline must not wrap into a short,
// negative or infinite wait).
int EpollTimeoutFor(absl::Duration wait);

}  // namespace qs::db

#endif  // QS_COMMON_DB_EVENT_LOOP_H_
