#include "tests/bench/bench_main.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "common/cli/flags.h"
#include "common/config/database_url.h"
#include "grpcpp/create_channel.h"
#include "tests/bench/process_cpu.h"
#include "tests/support/service_process.h"

namespace qs::bench {
namespace {

using cli::Flags;

constexpr int kUsage = 2;

// CPU snapshots of this process, the service and the PostgreSQL nodes at
// the edges of a fixed-calls window (process_cpu.h).
class CpuWindow {
 public:
  CpuWindow(pid_t service, pid_t postmaster, pid_t primary)
      : service_(service), postmaster_(postmaster), primary_(primary) {}

  void Start() { start_ = Snapshot(); }
  void End() { end_ = Snapshot(); }

  // µs per call by process; an error if a process was gone at either edge.
  absl::StatusOr<std::map<std::string, double>> PerCall(int64_t calls) const {
    std::map<std::string, double> per_call;
    for (const auto& [process, before] : start_) {
      const auto after = end_.find(process);
      if (!before.ok()) return before.status();
      if (after == end_.end()) return absl::InternalError("no CPU snapshot at the window's end");
      if (!after->second.ok()) return after->second.status();
      per_call[process] =
          absl::ToDoubleMicroseconds(*after->second - *before) / std::max<int64_t>(calls, 1);
    }
    return per_call;
  }

 private:
  std::map<std::string, absl::StatusOr<absl::Duration>> Snapshot() const {
    std::map<std::string, absl::StatusOr<absl::Duration>> cpu;
    cpu.emplace("load_generator", ProcessCpu(getpid()));
    if (service_ > 0) cpu.emplace("service", ProcessCpu(service_));
    if (postmaster_ > 0) cpu.emplace("postgres", ProcessTreeCpu(postmaster_));
    if (primary_ > 0) cpu.emplace("postgres_primary", ProcessTreeCpu(primary_));
    return cpu;
  }

  const pid_t service_, postmaster_, primary_;
  std::map<std::string, absl::StatusOr<absl::Duration>> start_, end_;
};

// Runs `command` with sh -c (nothing when empty); false, with a message,
// when it fails.
bool RunCommand(const std::string& command) {
  if (command.empty()) return true;
  const int status = std::system(command.c_str());
  if (status == 0) return true;
  std::fprintf(stderr, "command failed (status %d): %s\n", status, command.c_str());
  return false;
}

class Bench {
 public:
  explicit Bench(const BenchService& service) : service_(service) {}

  int Usage(const absl::Status& why = absl::OkStatus()) const {
    if (!why.ok()) Error(std::string(why.message()));
    std::fprintf(stderr, "usage: %s run|wait-serving --name=value ...\n", service_.tool.c_str());
    return kUsage;
  }

  void Error(const std::string& message) const {
    std::fprintf(stderr, "%s: %s\n", service_.tool.c_str(), message.c_str());
  }

  // Exits with the usage code when `value` is an error: a bad flag ends the
  // run before any load is generated.
  template <typename T>
  T OrExit(absl::StatusOr<T> value) const {
    if (!value.ok()) std::exit(Usage(value.status()));
    return *std::move(value);
  }

  int WaitServing(const Flags& flags) const {
    const std::string target = OrExit(flags.RequiredString("target"));
    const absl::Time since = absl::FromUnixNanos(OrExit(flags.Int64("since-ns", 0)));
    const absl::Time give_up = absl::Now() + absl::Seconds(OrExit(flags.Double("timeout", 60)));
    while (absl::Now() < give_up) {
      // A fresh channel each time: reconnect backoff would be measured as
      // start-up time of a server that was not listening yet.
      const auto channel =
          qs::testing::FastReconnectChannel(target, grpc::InsecureChannelCredentials());
      if (qs::testing::CheckHealth(channel) == "SERVING") {
        std::printf("%.1f\n", absl::ToDoubleMilliseconds(absl::Now() - since));
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    Error(target + " not SERVING in time");
    return 1;
  }

  int Run(const Flags& flags) const {
    BenchSetup setup;
    LoadOptions& options = setup.options;
    const std::string mode = flags.String("mode", "closed");
    if (mode != "closed" && mode != "open") {
      return Usage(absl::InvalidArgumentError("--mode is closed or open"));
    }
    options.mode = mode == "open" ? LoadOptions::Mode::kOpen : LoadOptions::Mode::kClosed;
    options.concurrency = static_cast<int>(
        OrExit(flags.Int64("concurrency", 20, 1, std::numeric_limits<int>::max())));
    options.rate = OrExit(flags.Double("rate", 1000));
    if (options.rate <= 0) return Usage(absl::InvalidArgumentError("--rate must be > 0"));
    options.duration = absl::Seconds(OrExit(flags.Double("duration", 10)));
    options.warmup = absl::Seconds(OrExit(flags.Double("warmup", 2)));
    options.deadline = absl::Seconds(OrExit(flags.Double("deadline", 5)));
    options.calls = OrExit(flags.Int64("calls", 0, 1));
    if (options.calls > 0 && options.mode != LoadOptions::Mode::kClosed) {
      return Usage(absl::InvalidArgumentError("--calls needs --mode=closed"));
    }
    const pid_t service_pid = static_cast<pid_t>(OrExit(flags.Int64("cpu-service-pid", 0, 1)));
    const pid_t postgres_pid = static_cast<pid_t>(OrExit(flags.Int64("cpu-postgres-pid", 0, 1)));
    const pid_t primary_pid = static_cast<pid_t>(OrExit(flags.Int64("cpu-primary-pid", 0, 1)));
    const std::string start_command = flags.String("measure-start-command");
    const std::string end_command = flags.String("measure-end-command");
    if (options.calls == 0 && (service_pid || postgres_pid || primary_pid)) {
      return Usage(
          absl::InvalidArgumentError("--cpu-*-pid need --calls (a fixed number of calls)"));
    }
    if (options.mode != LoadOptions::Mode::kClosed &&
        (!start_command.empty() || !end_command.empty())) {
      return Usage(absl::InvalidArgumentError("--measure-*-command need --mode=closed"));
    }

    const std::string target = OrExit(flags.RequiredString("target"));
    setup.scenarios = absl::StrSplit(OrExit(flags.RequiredString("scenarios")), ',');
    std::vector<std::pair<std::string, std::string>> labels;
    if (flags.Has("labels")) {
      const std::string all_labels = flags.String("labels");
      for (absl::string_view label : absl::StrSplit(all_labels, ',', absl::SkipEmpty())) {
        std::pair<std::string, std::string> kv = absl::StrSplit(label, absl::MaxSplits('=', 1));
        labels.push_back(kv);
      }
    }

    absl::StatusOr<config::DbConfig> db =
        config::ParseDatabaseUrl(OrExit(flags.RequiredString("database-url")));
    if (!db.ok())
      return Usage(absl::InvalidArgumentError("--database-url: " + db.status().ToString()));
    setup.conninfo = db->ConnectionString(db->host, db->port, service_.tool);
    absl::StatusOr<ScenarioFactory> scenarios = service_.prepare(setup);
    if (!scenarios.ok()) {
      Error(scenarios.status().ToString());
      return 1;
    }

    grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(16 << 20);
    const auto channel =
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), channel_args);
    std::ofstream file;
    if (flags.Has("out")) file.open(flags.String("out"), std::ios::app);
    std::ostream& out = flags.Has("out") ? file : std::cout;
    for (const std::string& name : setup.scenarios) {
      absl::StatusOr<Scenario> scenario = (*scenarios)(name);
      if (!scenario.ok()) {
        Error(scenario.status().ToString());
        return kUsage;
      }
      CpuWindow window(service_pid, postgres_pid, primary_pid);
      bool commands_ok = true;
      // Hooks only when asked for: a closed loop with hooks waits for its
      // calls at the window's edges (load_generator.h).
      const bool hooked = options.calls > 0 || !start_command.empty() || !end_command.empty();
      options.at_measure_start = nullptr;
      options.at_measure_end = nullptr;
      if (hooked) {
        options.at_measure_start = [&] {
          commands_ok = RunCommand(start_command) && commands_ok;
          window.Start();
        };
        options.at_measure_end = [&] {
          window.End();
          commands_ok = RunCommand(end_command) && commands_ok;
        };
      }
      RunResult result = RunLoad(channel, *scenario, options);
      if (!commands_ok) return 1;
      if (options.calls > 0) {
        absl::StatusOr<std::map<std::string, double>> cpu = window.PerCall(result.calls);
        if (!cpu.ok()) {
          Error(cpu.status().ToString());
          return 1;
        }
        result.cpu_us_per_call = *std::move(cpu);
      }
      out << ResultJson(result, labels) << std::endl;
      std::fprintf(stderr, "%-20s %8.0f calls/s  p50 %7.2f ms  p99 %7.2f ms  errors %lld\n",
                   name.c_str(), result.CallsPerSecond(),
                   absl::ToDoubleMilliseconds(result.latency.Percentile(0.5)),
                   absl::ToDoubleMilliseconds(result.latency.Percentile(0.99)),
                   static_cast<long long>(result.calls - result.ok));
    }
    return 0;
  }

 private:
  const BenchService& service_;
};

}  // namespace

int BenchMain(int argc, char** argv, const BenchService& service) {
  static constexpr absl::string_view kRunFlags[] = {"target",
                                                    "database-url",
                                                    "scenarios",
                                                    "mode",
                                                    "concurrency",
                                                    "rate",
                                                    "duration",
                                                    "warmup",
                                                    "labels",
                                                    "out",
                                                    "deadline",
                                                    "calls",
                                                    "cpu-service-pid",
                                                    "cpu-postgres-pid",
                                                    "cpu-primary-pid",
                                                    "measure-start-command",
                                                    "measure-end-command"};
  static constexpr absl::string_view kWaitServingFlags[] = {"target", "since-ns", "timeout"};
  const Bench bench(service);
  const std::string command = argc > 1 ? argv[1] : "";
  if (command != "run" && command != "wait-serving") return bench.Usage();
  const absl::StatusOr<Flags> flags = Flags::Parse(
      argc, argv,
      command == "run" ? absl::MakeConstSpan(kRunFlags) : absl::MakeConstSpan(kWaitServingFlags));
  if (!flags.ok()) return bench.Usage(flags.status());
  if (flags->help()) return bench.Usage();
  if (flags->positional().size() > 1) {
    return bench.Usage(absl::InvalidArgumentError("unexpected argument " + flags->positional()[1]));
  }
  return command == "run" ? bench.Run(*flags) : bench.WaitServing(*flags);
}

}  // namespace qs::bench
