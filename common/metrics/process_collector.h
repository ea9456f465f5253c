// The process' own resources at scrape time, from /proc/self, under the
// names every Prometheus client library uses:
//
//   process_cpu_seconds_total        user + system CPU time
//   process_resident_memory_bytes    RSS
//   process_virtual_memory_bytes     virtual size
//   process_start_time_seconds       since the Unix epoch
//   process_open_fds, process_max_fds
//   process_threads                  threads of the process
#ifndef QS_COMMON_METRICS_PROCESS_COLLECTOR_H_
#define QS_COMMON_METRICS_PROCESS_COLLECTOR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace qs::metrics {

// What /proc/<pid>/stat says (fields as proc(5) numbers them), in clock
// ticks and pages as the kernel counts them.
struct ProcStat {
  uint64_t utime_ticks = 0;    // 14
  uint64_t stime_ticks = 0;    // 15
  int64_t threads = 0;         // 20
  uint64_t start_ticks = 0;    // 22, since boot
  uint64_t virtual_bytes = 0;  // 23
  int64_t resident_pages = 0;  // 24
};

// Parses the one line of /proc/<pid>/stat; nullopt when it is not one. The
// command name (field 2) may hold spaces and parentheses: fields are
// counted from its last ')'.
std::optional<ProcStat> ParseProcStat(absl::string_view line);

class ProcessCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace qs::metrics

#endif  // QS_COMMON_METRICS_PROCESS_COLLECTOR_H_
