// The bounded worker pool: FIFO order, refusal at once when the queue is
// full, abandoning what has not started, and Stop running what is queued.
#include "common/grpc/worker_pool.h"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <vector>

#include "gtest/gtest.h"

namespace qs::grpc_util {
namespace {

using std::chrono::milliseconds;

// Holds every worker until Release(), so that later work stays queued.
class Gate {
 public:
  void Wait() { opened_.wait(); }
  void Release() { open_.set_value(); }

 private:
  std::promise<void> open_;
  std::shared_future<void> opened_ = open_.get_future().share();
};

// Blocks until `count` workers are inside a gated item.
void WaitForRunning(const std::atomic<int>& running, int count) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (running.load() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_EQ(running.load(), count);
}

TEST(WorkerPoolTest, RunsWorkInSubmissionOrderOnOneThread) {
  WorkerPool pool(1, 100);
  std::mutex mutex;
  std::vector<int> order;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(pool.TrySubmit([&, i] {
      std::lock_guard<std::mutex> lock(mutex);
      order.push_back(i);
    }));
  }
  pool.Stop();
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[i], i);
}

TEST(WorkerPoolTest, RunsOnAsManyThreadsAsItHas) {
  WorkerPool pool(3, 10);
  EXPECT_EQ(pool.threads(), 3);
  Gate gate;
  std::atomic<int> running{0};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pool.TrySubmit([&] {
      ++running;
      gate.Wait();
    }));
  }
  WaitForRunning(running, 3);  // All three at once: one per thread.
  gate.Release();
}

TEST(WorkerPoolTest, RefusesAtOnceWhenTheQueueIsFull) {
  WorkerPool pool(2, 4);
  Gate gate;
  std::atomic<int> running{0};
  std::atomic<int> ran{0};
  auto held = [&] {
    ++running;
    gate.Wait();
    ++ran;
  };
  ASSERT_TRUE(pool.TrySubmit(held));
  ASSERT_TRUE(pool.TrySubmit(held));
  WaitForRunning(running, 2);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(pool.TrySubmit(held)) << i;
  EXPECT_EQ(pool.queued(), 4u);

  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(pool.TrySubmit(held));
  EXPECT_FALSE(pool.TrySubmit(held));
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(50)) << "TrySubmit waited";

  gate.Release();
  pool.Stop();
  EXPECT_EQ(ran.load(), 6);  // The refused ones never ran.
}

TEST(WorkerPoolTest, AbandonQueuedRunsTheAbandonOfWhatHasNotStarted) {
  WorkerPool pool(1, 10);
  Gate gate;
  std::atomic<int> running{0};
  std::vector<std::string> events;
  std::mutex mutex;
  auto record = [&](std::string event) {
    std::lock_guard<std::mutex> lock(mutex);
    events.push_back(std::move(event));
  };
  ASSERT_TRUE(pool.TrySubmit(
      [&] {
        ++running;
        gate.Wait();
        record("ran first");
      },
      [&] { record("abandoned first"); }));
  WaitForRunning(running, 1);
  for (const char* name : {"second", "third"}) {
    std::string label = name;
    ASSERT_TRUE(pool.TrySubmit([&, label] { record("ran " + label); },
                               [&, label] { record("abandoned " + label); }));
  }
  pool.AbandonQueued();
  EXPECT_EQ(pool.queued(), 0u);
  gate.Release();
  pool.Stop();
  EXPECT_EQ(events, (std::vector<std::string>{"abandoned second", "abandoned third", "ran first"}));
}

TEST(WorkerPoolTest, StopRunsWhatIsQueuedThenRefusesMore) {
  WorkerPool pool(1, 10);
  std::atomic<int> ran{0};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(pool.TrySubmit([&] {
      std::this_thread::sleep_for(milliseconds(2));
      ++ran;
    }));
  }
  pool.Stop();
  EXPECT_EQ(ran.load(), 5);
  EXPECT_FALSE(pool.TrySubmit([&] { ++ran; }));
  pool.Stop();  // Idempotent.
  EXPECT_EQ(ran.load(), 5);
}

}  // namespace
}  // namespace qs::grpc_util
