// ProcessCpu and ProcessTreeCpu on this test's own process and children:
// busy work shows up, idle time does not, and a child's time survives its
// exit in the tree's total.
#include "tests/bench/process_cpu.h"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace qs::bench {
namespace {

// Spins on the CPU for `wall` of wall-clock time.
void Spin(absl::Duration wall) {
  const absl::Time until = absl::Now() + wall;
  volatile uint64_t sink = 0;
  while (absl::Now() < until) sink = sink + 1;
}

TEST(ProcessCpuTest, CountsBusyTimeButNotSleep) {
  const absl::Duration before = *ProcessCpu(getpid());
  Spin(absl::Milliseconds(300));
  const absl::Duration busy = *ProcessCpu(getpid()) - before;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const absl::Duration idle = *ProcessCpu(getpid()) - before - busy;
  // Ticks are 10 ms; the machine may take some of the 300 ms from us.
  EXPECT_GE(busy, absl::Milliseconds(100));
  EXPECT_LE(busy, absl::Milliseconds(400));
  EXPECT_LE(idle, absl::Milliseconds(30));
}

TEST(ProcessCpuTest, CountsEveryThread) {
  const absl::Duration before = *ProcessCpu(getpid());
  std::thread other([] { Spin(absl::Milliseconds(300)); });
  other.join();
  EXPECT_GE(*ProcessCpu(getpid()) - before, absl::Milliseconds(100));
}

TEST(ProcessCpuTest, TreeKeepsAChildsTimeAfterItExits) {
  const absl::Duration before = *ProcessTreeCpu(getpid());
  const absl::Duration own_before = *ProcessCpu(getpid());
  int ready[2], release[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(release), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Spin(absl::Milliseconds(300));
    char byte = 1;
    (void)!write(ready[1], &byte, 1);
    (void)!read(release[0], &byte, 1);
    _exit(0);
  }
  char byte;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  const absl::Duration alive = *ProcessTreeCpu(getpid()) - before;
  // The child alone spun (this process blocked in read): the tree's time
  // grew, this process's own did not.
  EXPECT_GE(alive, absl::Milliseconds(100));
  EXPECT_LE(*ProcessCpu(getpid()) - own_before, absl::Milliseconds(30));
  ASSERT_EQ(write(release[1], &byte, 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  const absl::Duration reaped = *ProcessTreeCpu(getpid()) - before;
  EXPECT_GE(reaped, alive);
  EXPECT_EQ(ProcessCpu(child).status().code(), absl::StatusCode::kNotFound);
}

TEST(ProcessCpuTest, NoSuchProcessIsNotFound) {
  // Above the kernel's pid_max (at most 2^22).
  EXPECT_EQ(ProcessCpu(1 << 23).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ProcessTreeCpu(1 << 23).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace qs::bench
