// PeriodicLoop: ticks repeat, a wake-up during a tick is not lost, Stop waits
// for a running tick and no tick starts after it, a tick sees StopRequested.
// Intervals are either tiny (to see repetition) or infinite/an hour (so only
// a wake-up can cause a tick): every wait is a condition wait with a
// generous deadline, never a sleep the result depends on.
#include "common/base/periodic_loop.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"

namespace qs::base {
namespace {

constexpr auto kPatience = std::chrono::seconds(10);

// What the ticks did, and a gate that holds a tick until the test opens it.
class Ticks {
 public:
  // The body of a tick: counts it, then waits at the gate while it is shut.
  void Tick() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++started_;
    changed_.notify_all();
    changed_.wait_for(lock, kPatience, [&] { return open_; });
    ++finished_;
    changed_.notify_all();
  }

  void Shut() {
    Set([&] { open_ = false; });
  }
  void Open() {
    Set([&] { open_ = true; });
  }

  // Waits until `done()` (read under the lock) holds, at most kPatience.
  bool WaitUntil(const std::function<bool()>& done) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kPatience, done);
  }
  bool WaitForStarted(int n) {
    return WaitUntil([&] { return started_ >= n; });
  }
  bool WaitForFinished(int n) {
    return WaitUntil([&] { return finished_ >= n; });
  }

  int started() {
    std::lock_guard<std::mutex> lock(mutex_);
    return started_;
  }
  int finished() {
    std::lock_guard<std::mutex> lock(mutex_);
    return finished_;
  }

 private:
  void Set(const std::function<void()>& change) {
    std::lock_guard<std::mutex> lock(mutex_);
    change();
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  int started_ = 0;
  int finished_ = 0;
  bool open_ = true;
};

TEST(PeriodicLoopTest, TicksAtOnceThenRepeatEveryInterval) {
  Ticks ticks;
  PeriodicLoop loop(absl::Milliseconds(1), [&] { ticks.Tick(); });
  EXPECT_EQ(ticks.started(), 0) << "nothing runs before Start";
  loop.Start();
  EXPECT_TRUE(ticks.WaitForFinished(5)) << ticks.finished();
}

TEST(PeriodicLoopTest, FirstTickRunsAtStartNotAfterTheInterval) {
  Ticks ticks;
  PeriodicLoop loop(absl::Hours(1), [&] { ticks.Tick(); });
  loop.Start();
  EXPECT_TRUE(ticks.WaitForFinished(1));
}

TEST(PeriodicLoopTest, WakeNowCutsTheIntervalShort) {
  Ticks ticks;
  PeriodicLoop loop(absl::Hours(1), [&] { ticks.Tick(); });
  loop.Start();
  ASSERT_TRUE(ticks.WaitForFinished(1));
  loop.WakeNow();
  EXPECT_TRUE(ticks.WaitForFinished(2));
}

TEST(PeriodicLoopTest, WakeNowDuringATickRunsAnotherTickRightAfter) {
  Ticks ticks;
  // Infinite interval: a second tick can only come from the wake-up.
  PeriodicLoop loop(absl::InfiniteDuration(), [&] { ticks.Tick(); });
  ticks.Shut();
  loop.Start();
  ASSERT_TRUE(ticks.WaitForStarted(1));
  loop.WakeNow();  // while the first tick is held at the gate
  ticks.Open();
  EXPECT_TRUE(ticks.WaitForFinished(2)) << "the wake-up was lost";
  // Several wake-ups during one tick are served by one more tick.
  ticks.Shut();
  loop.WakeNow();
  ASSERT_TRUE(ticks.WaitForStarted(3));
  loop.WakeNow();
  loop.WakeNow();
  ticks.Open();
  EXPECT_TRUE(ticks.WaitForFinished(4));
  loop.Stop();
  EXPECT_EQ(ticks.finished(), 4);
}

TEST(PeriodicLoopTest, StopWaitsForTheRunningTickAndNoTickStartsAfter) {
  Ticks ticks;
  bool started_after_stop = false;
  PeriodicLoop* self = nullptr;
  PeriodicLoop loop(absl::Milliseconds(1), [&] {
    if (self->StopRequested()) started_after_stop = true;
    ticks.Tick();
  });
  self = &loop;
  loop.Start();
  ASSERT_TRUE(ticks.WaitForFinished(2));
  ticks.Shut();
  const int held = ticks.started() + 1;
  ASSERT_TRUE(ticks.WaitForStarted(held));
  std::future<void> stopped = std::async(std::launch::async, [&] { loop.Stop(); });
  // A correct Stop stays blocked however long we look; a wrong one returns.
  EXPECT_EQ(stopped.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout)
      << "Stop returned in the middle of a tick";
  EXPECT_TRUE(loop.StopRequested());
  ticks.Open();
  ASSERT_EQ(stopped.wait_for(kPatience), std::future_status::ready);
  // Joined: the held tick finished and nothing else started.
  EXPECT_EQ(ticks.started(), held);
  EXPECT_EQ(ticks.finished(), held);
  EXPECT_FALSE(started_after_stop);
  loop.WakeNow();
  loop.Start();  // a stopped loop does not restart
  loop.Stop();   // idempotent
  EXPECT_EQ(ticks.started(), held);
}

TEST(PeriodicLoopTest, ALongTickSeesStopRequestedBetweenItsSteps) {
  std::mutex mutex;
  std::condition_variable changed;
  bool entered = false;
  bool saw_stop = false;
  PeriodicLoop* self = nullptr;
  PeriodicLoop loop(absl::Hours(1), [&] {
    {
      std::lock_guard<std::mutex> lock(mutex);
      entered = true;
    }
    changed.notify_all();
    // A long tick: many steps, checking for a stop between them.
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < deadline) {
      if (self->StopRequested()) {
        saw_stop = true;
        return;
      }
      std::this_thread::yield();
    }
  });
  self = &loop;
  loop.Start();
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, kPatience, [&] { return entered; }));
  }
  const auto before = std::chrono::steady_clock::now();
  loop.Stop();  // returns once the tick has noticed
  EXPECT_TRUE(saw_stop);
  EXPECT_LT(std::chrono::steady_clock::now() - before, kPatience / 2)
      << "the tick ran to its end instead of bailing out";
}

TEST(PeriodicLoopTest, StopBeforeStartAndFromInsideATick) {
  {
    Ticks ticks;
    PeriodicLoop never_started(absl::Milliseconds(1), [&] { ticks.Tick(); });
    never_started.Stop();
    never_started.Start();
    EXPECT_EQ(ticks.started(), 0);
  }
  Ticks ticks;
  PeriodicLoop* self = nullptr;
  PeriodicLoop loop(absl::Milliseconds(1), [&] {
    ticks.Tick();
    self->Stop();  // only requests the stop; must not wait for itself
  });
  self = &loop;
  loop.Start();
  ASSERT_TRUE(ticks.WaitForFinished(1));
  loop.Stop();  // joins
  EXPECT_EQ(ticks.finished(), 1);
}

TEST(PeriodicLoopTest, DestructorStopsARunningLoop) {
  Ticks ticks;
  {
    PeriodicLoop loop(absl::Milliseconds(1), [&] { ticks.Tick(); });
    loop.Start();
    ASSERT_TRUE(ticks.WaitForFinished(1));
  }
  const int after = ticks.started();
  EXPECT_EQ(ticks.finished(), after) << "destroyed in the middle of a tick";
}

}  // namespace
}  // namespace qs::base
