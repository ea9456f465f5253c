#include "tests/bench/process_cpu.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace qs::bench {
namespace {

struct StatFields {
  pid_t parent = 0;
  int64_t own_ticks = 0;     // utime + stime
  int64_t reaped_ticks = 0;  // cutime + cstime
};

// Fields of /proc/<pid>/stat after the command name, which is in
// parentheses and may itself hold spaces and parentheses: field 3 (state)
// is the first after the last ')'.
absl::StatusOr<StatFields> ReadStat(pid_t pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/stat"));
  std::stringstream text;
  text << file.rdbuf();
  const std::string line = text.str();
  const size_t name_end = line.rfind(')');
  if (!file || name_end == std::string::npos) {
    return absl::NotFoundError(absl::StrCat("no process ", pid));
  }
  const std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(line).substr(name_end + 2), ' ', absl::SkipEmpty());
  // fields[0] is field 3 of proc(5): ppid is 4, utime..cstime are 14..17.
  auto field = [&](int number) {
    int64_t value = 0;
    const size_t index = number - 3;
    return index < fields.size() && absl::SimpleAtoi(fields[index], &value) ? value : -1;
  };
  StatFields stat;
  stat.parent = static_cast<pid_t>(field(4));
  const int64_t utime = field(14), stime = field(15), cutime = field(16), cstime = field(17);
  if (stat.parent < 0 || utime < 0 || stime < 0 || cutime < 0 || cstime < 0) {
    return absl::InternalError(absl::StrCat("/proc/", pid, "/stat: unexpected format"));
  }
  stat.own_ticks = utime + stime;
  stat.reaped_ticks = cutime + cstime;
  return stat;
}

absl::Duration Ticks(int64_t ticks) {
  static const long per_second = sysconf(_SC_CLK_TCK);
  return absl::Seconds(1) * ticks / per_second;
}

}  // namespace

absl::StatusOr<absl::Duration> ProcessCpu(pid_t pid) {
  absl::StatusOr<StatFields> stat = ReadStat(pid);
  if (!stat.ok()) return stat.status();
  return Ticks(stat->own_ticks);
}

absl::StatusOr<absl::Duration> ProcessTreeCpu(pid_t pid) {
  absl::StatusOr<StatFields> root = ReadStat(pid);
  if (!root.ok()) return root.status();
  int64_t ticks = root->own_ticks + root->reaped_ticks;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return absl::InternalError("cannot list /proc");
  while (const dirent* entry = readdir(proc)) {
    pid_t child = 0;
    if (!absl::SimpleAtoi(entry->d_name, &child)) continue;
    // A process that exits while /proc is listed is simply not counted
    // here: its time is then in the root's reaped time (or soon will be).
    absl::StatusOr<StatFields> stat = ReadStat(child);
    if (stat.ok() && stat->parent == pid) ticks += stat->own_ticks + stat->reaped_ticks;
  }
  closedir(proc);
  return Ticks(ticks);
}

}  // namespace qs::bench
