#include "common/base/periodic_loop.h"

#include <utility>

namespace qs::base {

PeriodicLoop::PeriodicLoop(absl::Duration interval, std::function<void()> tick)
    : interval_(interval), tick_(std::move(tick)) {}

PeriodicLoop::~PeriodicLoop() { Stop(); }

void PeriodicLoop::Start() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
  if (thread_.joinable() || StopRequested()) return;
  thread_ = std::thread([this] { Run(); });
}

void PeriodicLoop::WakeNow() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_requested_ = true;
  }
  wake_.notify_one();
}

void PeriodicLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_requested_ = true;
  }
  wake_.notify_one();
  // From inside a tick: the loop ends when the tick returns; waiting for it
  // here would wait for ourselves (and for a Stop() already joining us).
  if (loop_thread_.load() == std::this_thread::get_id()) return;
  std::lock_guard<std::mutex> lifecycle(lifecycle_mutex_);
  if (!thread_.joinable()) return;
  thread_.join();
  thread_ = std::thread();
}

void PeriodicLoop::Run() {
  loop_thread_ = std::this_thread::get_id();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_requested_) {
    // Cleared before the tick: a wake-up requested while it runs stays set
    // and ends the wait below at once.
    wake_requested_ = false;
    lock.unlock();
    tick_();
    lock.lock();
    auto woken = [this] { return stop_requested_ || wake_requested_; };
    if (interval_ == absl::InfiniteDuration()) {
      wake_.wait(lock, woken);
    } else {
      wake_.wait_for(lock, absl::ToChronoNanoseconds(interval_), woken);
    }
  }
}

}  // namespace qs::base
