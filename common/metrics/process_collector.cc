#include "common/metrics/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/metrics/metric_families.h"

namespace qs::metrics {
namespace {

std::string ReadFile(const char* path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The kernel's boot time (btime in /proc/stat), in seconds since the epoch.
std::optional<int64_t> BootTime() {
  for (absl::string_view line : absl::StrSplit(ReadFile("/proc/stat"), '\n')) {
    if (absl::ConsumePrefix(&line, "btime ")) {
      int64_t seconds = 0;
      if (absl::SimpleAtoi(line, &seconds)) return seconds;
    }
  }
  return std::nullopt;
}

int64_t OpenFds() {
  DIR* directory = opendir("/proc/self/fd");
  if (directory == nullptr) return 0;
  int64_t count = 0;
  while (const dirent* entry = readdir(directory)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(directory);
  return count - 1;  // The descriptor opendir itself holds.
}

}  // namespace

std::optional<ProcStat> ParseProcStat(absl::string_view line) {
  const size_t name_end = line.rfind(')');
  if (name_end == absl::string_view::npos) return std::nullopt;
  // Fields 3.. after "pid (comm) ".
  std::vector<absl::string_view> fields =
      absl::StrSplit(line.substr(name_end + 1), ' ', absl::SkipEmpty());
  constexpr size_t kFirst = 3;
  if (fields.size() < 24 - kFirst + 1) return std::nullopt;
  const auto field = [&](size_t number) { return fields[number - kFirst]; };
  ProcStat stat;
  if (!absl::SimpleAtoi(field(14), &stat.utime_ticks) ||
      !absl::SimpleAtoi(field(15), &stat.stime_ticks) ||
      !absl::SimpleAtoi(field(20), &stat.threads) ||
      !absl::SimpleAtoi(field(22), &stat.start_ticks) ||
      !absl::SimpleAtoi(field(23), &stat.virtual_bytes) ||
      !absl::SimpleAtoi(field(24), &stat.resident_pages)) {
    return std::nullopt;
  }
  return stat;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  std::vector<prometheus::MetricFamily> families;
  const std::optional<ProcStat> stat = ParseProcStat(ReadFile("/proc/self/stat"));
  if (stat) {
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    families.push_back(CounterFamily("process_cpu_seconds_total",
                                     "Total user and system CPU time spent in "
                                     "seconds."));
    AddSample(families.back(), {}, (stat->utime_ticks + stat->stime_ticks) / ticks);
    families.push_back(
        GaugeFamily("process_resident_memory_bytes", "Resident memory size in bytes."));
    AddSample(families.back(), {}, stat->resident_pages * page);
    families.push_back(
        GaugeFamily("process_virtual_memory_bytes", "Virtual memory size in bytes."));
    AddSample(families.back(), {}, static_cast<double>(stat->virtual_bytes));
    families.push_back(GaugeFamily("process_threads", "Number of OS threads in the process."));
    AddSample(families.back(), {}, static_cast<double>(stat->threads));
    if (const std::optional<int64_t> boot = BootTime()) {
      families.push_back(GaugeFamily("process_start_time_seconds",
                                     "Start time of the process since unix epoch in seconds."));
      AddSample(families.back(), {}, *boot + stat->start_ticks / ticks);
    }
  }
  families.push_back(GaugeFamily("process_open_fds", "Number of open file descriptors."));
  AddSample(families.back(), {}, static_cast<double>(OpenFds()));
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    families.push_back(GaugeFamily("process_max_fds", "Maximum number of open file descriptors."));
    AddSample(families.back(), {}, static_cast<double>(limit.rlim_cur));
  }
  return families;
}

}  // namespace qs::metrics
