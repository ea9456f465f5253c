// EventLoop: posted tasks, timers and fd watchers, on a real eventfd/pipe.
#include "common/db/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <future>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace qs::db {
namespace {

// Runs `fn` on the loop and waits for it.
void OnLoop(EventLoop& loop, std::function<void()> fn) {
  std::promise<void> done;
  ASSERT_TRUE(loop.Post([&] {
    fn();
    done.set_value();
  }));
  done.get_future().wait();
}

TEST(EventLoopTest, RunsPostedTasksInOrderOnItsOwnThread) {
  EventLoop loop("test");
  std::vector<int> order;
  std::thread::id loop_thread;
  for (int i = 0; i < 100; ++i) {
    loop.Post([&, i] {
      order.push_back(i);
      loop_thread = std::this_thread::get_id();
    });
  }
  OnLoop(loop, [] {});
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
  EXPECT_NE(loop_thread, std::this_thread::get_id());
}

TEST(EventLoopTest, TimersFireInDeadlineOrderAndCancelledOnesNever) {
  EventLoop loop("test");
  std::vector<int> fired;
  std::promise<void> last;
  absl::Time start = absl::Now();
  OnLoop(loop, [&] {
    loop.RunAt(start + absl::Milliseconds(120), [&] {
      fired.push_back(3);
      last.set_value();
    });
    loop.RunAt(start + absl::Milliseconds(40), [&] { fired.push_back(1); });
    EventLoop::TimerId cancelled =
        loop.RunAt(start + absl::Milliseconds(60), [&] { fired.push_back(99); });
    loop.RunAt(start + absl::Milliseconds(80), [&] { fired.push_back(2); });
    loop.Cancel(cancelled);
  });
  last.get_future().wait();
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(120));
}

TEST(EventLoopTest, WatchersSeeReadableFdsUntilUnwatched) {
  EventLoop loop("test");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::atomic<int> reads{0};
  std::promise<void> first;
  EventLoop::WatchId watch = 0;
  OnLoop(loop, [&] {
    watch = loop.Watch(fds[0], EPOLLIN, [&](uint32_t) {
      char c;
      (void)!read(fds[0], &c, 1);
      if (++reads == 1) first.set_value();
    });
  });
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  first.get_future().wait();
  ASSERT_NE(watch, 0u);
  OnLoop(loop, [&] { loop.Unwatch(watch); });
  ASSERT_EQ(write(fds[1], "y", 1), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  OnLoop(loop, [] {});
  EXPECT_EQ(reads.load(), 1);
  close(fds[0]);
  close(fds[1]);
}

TEST(EventLoopTest, StopRunsWhatWasPostedThenRefusesMore) {
  EventLoop loop("test");
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) loop.Post([&] { ++ran; });
  loop.Stop();
  EXPECT_EQ(ran.load(), 10);
  std::function<void()> late = [&] { ++ran; };
  EXPECT_FALSE(loop.Post(std::move(late)));
  ASSERT_TRUE(late) << "a refused task stays with the caller";
  late();
  EXPECT_EQ(ran.load(), 11);
}

// A socket closed by its owner (libpq does) leaves epoll by itself, and the
// next socket opened takes its number: the old watch must not take the new
// socket's registration with it.
TEST(EventLoopTest, UnwatchingAClosedFdDoesNotRemoveTheNewWatchOfItsReusedNumber) {
  EventLoop loop("test");
  int old_pipe[2];
  ASSERT_EQ(pipe(old_pipe), 0);
  EventLoop::WatchId old_watch = 0;
  OnLoop(loop, [&] { old_watch = loop.Watch(old_pipe[0], EPOLLIN, [](uint32_t) {}); });
  ASSERT_NE(old_watch, 0u);
  close(old_pipe[0]);
  int new_pipe[2];
  ASSERT_EQ(pipe(new_pipe), 0);
  ASSERT_EQ(new_pipe[0], old_pipe[0]) << "the kernel hands out the lowest free number";
  std::promise<void> seen;
  std::atomic<int> calls{0};
  OnLoop(loop, [&] {
    EventLoop::WatchId new_watch = loop.Watch(new_pipe[0], EPOLLIN, [&](uint32_t) {
      char c;
      (void)!read(new_pipe[0], &c, 1);
      if (++calls == 1) seen.set_value();
    });
    ASSERT_NE(new_watch, 0u);
    loop.Unwatch(old_watch);  // The old owner cleans up late.
  });
  ASSERT_EQ(write(new_pipe[1], "x", 1), 1);
  EXPECT_EQ(seen.get_future().wait_for(std::chrono::seconds(2)), std::future_status::ready);
  close(new_pipe[0]);
  close(new_pipe[1]);
  close(old_pipe[1]);
}

// While connecting libpq may close its socket and open the next one under
// the same number: Modify must register the new one.
TEST(EventLoopTest, ModifyRegistersANewSocketThatTookTheWatchedNumber) {
  EventLoop loop("test");
  int first[2];
  ASSERT_EQ(pipe(first), 0);
  const int fd = first[0];
  int second[2] = {-1, -1};
  std::promise<void> seen;
  std::atomic<int> calls{0};
  EventLoop::WatchId watch = 0;
  OnLoop(loop, [&] {
    watch = loop.Watch(fd, EPOLLIN, [&](uint32_t) {
      char c;
      (void)!read(fd, &c, 1);
      if (++calls == 1) seen.set_value();
    });
  });
  ASSERT_NE(watch, 0u);
  OnLoop(loop, [&] {
    // As inside PQconnectPoll: close, reopen (same number), then Modify.
    close(first[0]);
    ASSERT_EQ(pipe(second), 0);
    ASSERT_EQ(second[0], fd);
    EXPECT_TRUE(loop.Modify(watch, EPOLLIN));
  });
  ASSERT_EQ(write(second[1], "x", 1), 1);
  EXPECT_EQ(seen.get_future().wait_for(std::chrono::seconds(2)), std::future_status::ready);
  OnLoop(loop, [&] { loop.Unwatch(watch); });
  close(first[1]);
  close(second[0]);
  close(second[1]);
}

TEST(EventLoopTest, TheEpollTimeoutIsRoundedUpAndNeverWraps) {
  EXPECT_EQ(EpollTimeoutFor(-absl::Seconds(1)), 0);
  EXPECT_EQ(EpollTimeoutFor(absl::ZeroDuration()), 0);
  EXPECT_EQ(EpollTimeoutFor(absl::Nanoseconds(1)), 1);
  EXPECT_EQ(EpollTimeoutFor(absl::Milliseconds(1)), 1);
  EXPECT_EQ(EpollTimeoutFor(absl::Microseconds(1500)), 2);
  EXPECT_EQ(EpollTimeoutFor(absl::Hours(1)), 3600 * 1000);
  // Past INT_MAX milliseconds (24.8 days) an int cast wraps: 2^32 + 5 ms
  // would wait 5 ms (a spin), 2^32 - 1 ms forever (-1), 100 years anything.
  EXPECT_EQ(EpollTimeoutFor(absl::Milliseconds((int64_t{1} << 32) + 5)), INT_MAX);
  EXPECT_EQ(EpollTimeoutFor(absl::Milliseconds((int64_t{1} << 32) - 1)), INT_MAX);
  EXPECT_EQ(EpollTimeoutFor(absl::Hours(24 * 365 * 100)), INT_MAX);
  EXPECT_EQ(EpollTimeoutFor(absl::InfiniteDuration()), INT_MAX);
}

TEST(EventLoopTest, ASecondConcurrentStopReturnsOnlyOnceTheThreadHasEnded) {
  EventLoop loop("test");
  std::atomic<bool> task_done{false};
  std::promise<void> task_started;
  loop.Post([&] {
    task_started.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    task_done = true;
  });
  task_started.get_future().wait();
  std::thread first([&] { loop.Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // First is joining.
  loop.Stop();
  EXPECT_TRUE(task_done) << "Stop returned while the loop still ran";
  first.join();
}

}  // namespace
}  // namespace qs::db
