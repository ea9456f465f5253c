#include "common/db/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "absl/time/clock.h"
#include "spdlog/spdlog.h"

namespace qs::db {
namespace {

constexpr int kMaxEventsPerWait = 64;

}  // namespace

EventLoop::EventLoop(std::string name)
    : name_(std::move(name)),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    // Without them the loop cannot exist: out of descriptors at start-up.
    spdlog::critical("event loop {}: epoll/eventfd: {}", name_, std::strerror(errno));
    std::abort();
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = 0;  // Watch ids start at 1: 0 is the wake-up.
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
  thread_ = std::thread([this] { Run(); });
}

EventLoop::~EventLoop() {
  Stop();
  close(wake_fd_);
  close(epoll_fd_);
}

bool EventLoop::Post(std::function<void()>&& task) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return false;
    // The loop drains the whole list per wake-up: only the first task
    // after a drain needs to write the eventfd (a syscall saved per task).
    wake = posted_.empty();
    posted_.push_back(std::move(task));
  }
  if (wake) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
  return true;
}

void EventLoop::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mutex_);
  if (stopped_) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
  stopped_ = true;
}

EventLoop::WatchId EventLoop::Watch(int fd, uint32_t events,
                                    std::function<void(uint32_t)> on_ready) {
  const WatchId id = next_watch_id_++;
  epoll_event event{};
  event.events = events;
  event.data.u64 = id;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    // EEXIST: this very socket is registered under an older watch (its
    // owner watches it afresh); the registration passes to the new id.
    if (errno != EEXIST || epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) != 0) {
      spdlog::error("event loop {}: cannot watch fd {}: {}", name_, fd, std::strerror(errno));
      return 0;
    }
  }
  watchers_[id] = Watcher{fd, std::move(on_ready)};
  registered_by_fd_[fd] = id;
  return id;
}

bool EventLoop::Modify(WatchId id, uint32_t events) {
  auto found = watchers_.find(id);
  if (found == watchers_.end()) return false;
  const int fd = found->second.fd;
  auto registered = registered_by_fd_.find(fd);
  if (registered != registered_by_fd_.end() && registered->second != id) {
    // The number belongs to a newer watch now: this watch's socket is gone.
    return false;
  }
  epoll_event event{};
  event.events = events;
  event.data.u64 = id;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) == 0) {
    registered_by_fd_[fd] = id;
    return true;
  }
  // ENOENT: the socket that had this number was closed (which removed it
  // from epoll) and a new one took the number: register that one.
  if (errno != ENOENT || epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    spdlog::error("event loop {}: cannot watch fd {}: {}", name_, fd, std::strerror(errno));
    return false;
  }
  registered_by_fd_[fd] = id;
  return true;
}

void EventLoop::Unwatch(WatchId id) {
  auto found = watchers_.find(id);
  if (found == watchers_.end()) return;
  const int fd = found->second.fd;
  watchers_.erase(found);
  auto registered = registered_by_fd_.find(fd);
  if (registered == registered_by_fd_.end() || registered->second != id) {
    // A newer watch holds the number (the old socket was closed and the
    // number reused): deleting by number would remove that one instead.
    return;
  }
  registered_by_fd_.erase(registered);
  // The fd may already be closed (libpq closes it on failure): epoll then
  // dropped it by itself, and the error is harmless.
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::RunAt(absl::Time when, std::function<void()> fn) {
  const TimerId id = next_timer_id_++;
  timer_by_id_[id] = timers_.emplace(when, Timer{id, std::move(fn)});
  return id;
}

void EventLoop::Cancel(TimerId id) {
  auto found = timer_by_id_.find(id);
  if (found == timer_by_id_.end()) return;
  timers_.erase(found->second);
  timer_by_id_.erase(found);
}

int EpollTimeoutFor(absl::Duration wait) {
  if (wait <= absl::ZeroDuration()) return 0;
  const int64_t milliseconds =
      absl::ToInt64Milliseconds(wait + absl::Milliseconds(1) - absl::Nanoseconds(1));
  return static_cast<int>(std::min<int64_t>(milliseconds, std::numeric_limits<int>::max()));
}

int EventLoop::MillisecondsUntilNextTimer() const {
  if (timers_.empty()) return -1;
  return EpollTimeoutFor(timers_.begin()->first - absl::Now());
}

void EventLoop::RunPostedTasks() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks.swap(posted_);
  }
  for (std::function<void()>& task : tasks) task();
}

void EventLoop::RunDueTimers() {
  const absl::Time now = absl::Now();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    auto first = timers_.begin();
    std::function<void()> fn = std::move(first->second.fn);
    timer_by_id_.erase(first->second.id);
    timers_.erase(first);
    fn();
  }
}

void EventLoop::Run() {
  epoll_event events[kMaxEventsPerWait];
  while (true) {
    int ready = epoll_wait(epoll_fd_, events, kMaxEventsPerWait, MillisecondsUntilNextTimer());
    if (ready < 0 && errno != EINTR) {
      spdlog::critical("event loop {}: epoll_wait: {}", name_, std::strerror(errno));
      std::abort();
    }
    bool woken = false;
    for (int i = 0; i < ready; ++i) {
      if (events[i].data.u64 == 0) {
        woken = true;
        continue;
      }
      auto found = watchers_.find(events[i].data.u64);
      if (found == watchers_.end()) continue;  // Unwatched earlier in this batch.
      // A copy: the callback may Unwatch itself.
      std::function<void(uint32_t)> on_ready = found->second.on_ready;
      on_ready(events[i].events);
    }
    if (woken) {
      uint64_t count;
      (void)!read(wake_fd_, &count, sizeof(count));
    }
    RunPostedTasks();
    RunDueTimers();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_ && posted_.empty()) break;
    }
  }
  RunPostedTasks();
}

}  // namespace qs::db
