// ProcessCpu and ProcessTreeCpu on this test's own process and children:
// busy work shows up, idle time does not, and a child's time survives its
// exit in the tree's total.
#include "tests/bench/process_cpu.h"

#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace qs::bench {
namespace {

// The calling thread's own CPU time, from the kernel's clock (not /proc,
// which is what ProcessCpu reads).
absl::Duration ThreadCpu() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return absl::DurationFromTimespec(now);
}

// Spins until the calling thread has used `cpu` of CPU time. By CPU time,
// not wall time: on a loaded machine (CI runs two tests per core) a
// wall-clock spin may get a fraction of its time on a core.
void Spin(absl::Duration cpu) {
  const absl::Duration until = ThreadCpu() + cpu;
  volatile uint64_t sink = 0;
  while (ThreadCpu() < until) sink = sink + 1;
}

TEST(ProcessCpuTest, CountsBusyTimeButNotSleep) {
  const absl::Duration before = *ProcessCpu(getpid());
  Spin(absl::Milliseconds(300));
  const absl::Duration busy = *ProcessCpu(getpid()) - before;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const absl::Duration idle = *ProcessCpu(getpid()) - before - busy;
  // /proc counts in 10 ms ticks, sampled: a tick or two either way.
  EXPECT_GE(busy, absl::Milliseconds(270));
  EXPECT_LE(busy, absl::Milliseconds(340));
  EXPECT_LE(idle, absl::Milliseconds(30));
}

TEST(ProcessCpuTest, CountsEveryThread) {
  const absl::Duration before = *ProcessCpu(getpid());
  std::thread other([] { Spin(absl::Milliseconds(300)); });
  other.join();
  EXPECT_GE(*ProcessCpu(getpid()) - before, absl::Milliseconds(270));
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
  EXPECT_GE(alive, absl::Milliseconds(270));
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
