// EventLoop: posted tasks, timers and fd watchers, on a real eventfd/pipe.
#include "common/db/event_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
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
  OnLoop(loop, [&] {
    loop.Watch(fds[0], EPOLLIN, [&](uint32_t) {
      char c;
      (void)!read(fds[0], &c, 1);
      if (++reads == 1) first.set_value();
    });
  });
  ASSERT_EQ(write(fds[1], "x", 1), 1);
  first.get_future().wait();
  OnLoop(loop, [&] { loop.Unwatch(fds[0]); });
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

}  // namespace
}  // namespace qs::db
