// CPU time a process has used, read from /proc/<pid>/stat, for the
// benchmark's "CPU per call of each process" (issue 12): a snapshot before
// and after a fixed number of calls, the difference divided by the calls.
//
//   absl::StatusOr<absl::Duration> before = ProcessTreeCpu(postmaster_pid);
//   ... 20,000 calls ...
//   absl::StatusOr<absl::Duration> after = ProcessTreeCpu(postmaster_pid);
//
// Counted at the kernel's tick resolution (sysconf(_SC_CLK_TCK), usually
// 10 ms): over thousands of calls that is well under a microsecond a call.
#ifndef QS_TESTS_BENCH_PROCESS_CPU_H_
#define QS_TESTS_BENCH_PROCESS_CPU_H_

#include <sys/types.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace qs::bench {

// User + system time of every thread of `pid`, exited threads included.
// NOT_FOUND when there is no such process.
absl::StatusOr<absl::Duration> ProcessCpu(pid_t pid);

// ProcessCpu of `pid` and of each of its direct children, plus the time of
// the children it has already reaped (cutime + cstime): the whole of a
// PostgreSQL node, whose backends are the postmaster's children. A backend
// that exits between two snapshots moves from the children's sum into the
// reaped time, so a difference of two snapshots loses nothing.
absl::StatusOr<absl::Duration> ProcessTreeCpu(pid_t pid);

}  // namespace qs::bench

#endif  // QS_TESTS_BENCH_PROCESS_CPU_H_
