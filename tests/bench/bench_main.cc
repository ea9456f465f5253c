#include "tests/bench/bench_main.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "common/cli/flags.h"
#include "common/config/database_url.h"
#include "grpcpp/create_channel.h"
#include "tests/support/service_process.h"

namespace qs::bench {
namespace {

using cli::Flags;

constexpr int kUsage = 2;

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
      RunResult result = RunLoad(channel, *scenario, options);
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
  static constexpr absl::string_view kRunFlags[] = {
      "target", "database-url", "scenarios", "mode",   "concurrency",
      "rate",   "duration",     "warmup",    "labels", "out"};
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
