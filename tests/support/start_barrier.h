// A start line for concurrency tests: N threads get ready (connect, build
// their request), then all go at once, so that their calls really overlap
// instead of running one after the other as the threads happen to start.
//
//   StartBarrier barrier(8);
//   std::vector<std::thread> threads;
//   for (int i = 0; i < 8; ++i) {
//     threads.emplace_back([&, i] {
//       Request request = Prepare(i);
//       barrier.ArriveAndWait();   // nobody goes until all 8 are here
//       Send(request);
//     });
//   }
//   for (std::thread& thread : threads) thread.join();
//
// or, for the common case, RunTogether(8, [&](int i) { Send(Prepare(i)); }).
//
// C++17 has no std::barrier (C++20); this is a single-use latch on a mutex
// and a condition variable. Thread-safe.
#ifndef QS_TESTS_SUPPORT_START_BARRIER_H_
#define QS_TESTS_SUPPORT_START_BARRIER_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace qs::testing {

class StartBarrier {
 public:
  explicit StartBarrier(int parties) : waiting_(parties) {}
  StartBarrier(const StartBarrier&) = delete;
  StartBarrier& operator=(const StartBarrier&) = delete;

  // Blocks until `parties` threads have called it, then releases them all.
  // Single use: calls after the release return at once.
  void ArriveAndWait() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (--waiting_ <= 0) {
      released_.notify_all();
      return;
    }
    released_.wait(lock, [this] { return waiting_ <= 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  int waiting_;
};

// Runs `body(0) .. body(threads - 1)` on `threads` threads that start from
// one StartBarrier (after `prepare(i)`, if given, has run on each), and
// joins them all.
inline void RunTogether(int threads, const std::function<void(int)>& body,
                        const std::function<void(int)>& prepare = nullptr) {
  StartBarrier barrier(threads);
  std::vector<std::thread> running;
  running.reserve(threads);
  for (int i = 0; i < threads; ++i) {
    running.emplace_back([&, i] {
      if (prepare) prepare(i);
      barrier.ArriveAndWait();
      body(i);
    });
  }
  for (std::thread& thread : running) thread.join();
}

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_START_BARRIER_H_
