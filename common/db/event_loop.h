// One thread that waits on file descriptors (epoll) and timers, and runs
// tasks posted from other threads (woken through an eventfd).
//
//   EventLoop loop("quest-read-async");
//   loop.Post([&] {                       // from any thread
//     loop.Watch(fd, EPOLLIN, [](uint32_t events) { ... });
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
  // Must not be called from the loop thread.
  void Stop();

  bool InLoopThread() const { return std::this_thread::get_id() == thread_.get_id(); }

  // Loop thread only. `events` are EPOLLIN/EPOLLOUT bits; `on_ready` gets
  // what epoll reported (EPOLLERR/EPOLLHUP included).
  void Watch(int fd, uint32_t events, std::function<void(uint32_t)> on_ready);
  void Modify(int fd, uint32_t events);
  void Unwatch(int fd);

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

  std::mutex mutex_;
  std::vector<std::function<void()>> posted_;  // Guarded by mutex_.
  bool stopping_ = false;                      // Guarded by mutex_.
  bool stopped_ = false;                       // Whether Stop has joined.

  // Loop thread only. Watchers are found by a fresh id per Watch (epoll's
  // user data), never by fd: a closed fd number may be reused at once.
  uint64_t next_watch_id_ = 1;
  std::unordered_map<uint64_t, Watcher> watchers_;
  std::unordered_map<int, uint64_t> watch_id_by_fd_;
  TimerId next_timer_id_ = 1;
  std::multimap<absl::Time, Timer> timers_;
  std::unordered_map<TimerId, std::multimap<absl::Time, Timer>::iterator> timer_by_id_;

  // Last: started once the state above exists.
  std::thread thread_;
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_EVENT_LOOP_H_
