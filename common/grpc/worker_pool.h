// A fixed set of threads running blocking work from a bounded FIFO queue:
// where the serving core (async_server.h) runs handlers' synchronous bodies.
//
//   WorkerPool pool(/*threads=*/20, /*max_queued=*/2048);
//   if (!pool.TrySubmit([call] { call->Run(); }, [call] { call->Refuse(); })) {
//     // full: answer RESOURCE_EXHAUSTED now, never wait
//   }
//
// Overload is refused at once, never queued without bound: TrySubmit does
// not block. Work runs in submission order. Thread-safe.
#ifndef QS_COMMON_GRPC_WORKER_POOL_H_
#define QS_COMMON_GRPC_WORKER_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace qs::grpc_util {

class WorkerPool {
 public:
  // Starts `threads` (at least 1) threads; at most `max_queued` (at least 1)
  // items wait for one.
  WorkerPool(int threads, int max_queued);
  // Stop().
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `run` for a worker. False, at once, when `max_queued` items are
  // already waiting with every worker busy, or the pool is stopping. `abandon` (optional) runs
  // instead of `run` if the item is still queued when AbandonQueued() is called.
  bool TrySubmit(std::function<void()> run, std::function<void()> abandon = nullptr);

  // Takes every item that no worker has started and runs its `abandon`, on
  // the calling thread, in queue order. Items already running go on.
  void AbandonQueued();

  // Lets the workers run what is queued, then joins them. Later TrySubmit
  // calls return false. Idempotent.
  void Stop();

  // Items waiting for a worker now.
  size_t queued() const;
  int max_queued() const { return max_queued_; }
  int threads() const { return static_cast<int>(threads_.size()); }

 private:
  struct Item {
    std::function<void()> run;
    std::function<void()> abandon;
  };

  void Work();

  const int max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  // Workers waiting for work: queued items they will take at once are not
  // counted against max_queued_.
  int idle_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_WORKER_POOL_H_
