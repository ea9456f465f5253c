#include "common/grpc/worker_pool.h"

#include <algorithm>
#include <utility>

namespace qs::grpc_util {

WorkerPool::WorkerPool(int threads, int max_queued) : max_queued_(std::max(1, max_queued)) {
  threads = std::max(1, threads);
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TrySubmit(std::function<void()> run, std::function<void()> abandon) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= static_cast<size_t>(max_queued_ + idle_)) return false;
    queue_.push_back({std::move(run), std::move(abandon)});
  }
  wake_.notify_one();
  return true;
}

void WorkerPool::AbandonQueued() {
  std::deque<Item> taken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    taken.swap(queue_);
  }
  for (Item& item : taken) {
    if (item.abandon) item.abandon();
  }
}

void WorkerPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  threads_.clear();
}

size_t WorkerPool::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

void WorkerPool::Work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (queue_.empty() && !stopping_) {
      ++idle_;
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      --idle_;
    }
    if (queue_.empty()) return;  // Stopping, and nothing left to run.
    Item item = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    item.run();
    item = Item();  // Whatever `run` captured goes before the lock is taken.
    lock.lock();
  }
}

}  // namespace qs::grpc_util
