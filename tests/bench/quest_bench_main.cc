// The quest load generator (tests/bench/run.sh drives it).
//
//   quest_bench run --target=127.0.0.1:50051 --database-url=postgres://...
//       --scenarios=get_puzzle,mixed [--mode=closed|open] [--concurrency=20]
//       [--rate=1000] [--duration=10] [--warmup=2] [--labels=group=main,users=1000000]
//       [--out=results.jsonl]
//   quest_bench wait-serving --target=127.0.0.1:50051 --since-ns=<unix ns>
//
// `run` appends one JSON line per scenario to --out (stdout without it) and
// prints a summary per scenario on stderr. `wait-serving` polls the health
// service until SERVING and prints the milliseconds since --since-ns.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "common/cli/flags.h"
#include "common/config/database_url.h"
#include "grpcpp/create_channel.h"
#include "tests/bench/quest_scenarios.h"
#include "tests/support/service_process.h"

namespace {

using qs::bench::LoadOptions;
using qs::cli::Flags;

constexpr int kUsage = 2;

int Usage(const absl::Status& why = absl::OkStatus()) {
  if (!why.ok()) std::fprintf(stderr, "quest_bench: %s\n", std::string(why.message()).c_str());
  std::fprintf(stderr, "usage: quest_bench run|wait-serving --name=value ...\n");
  return kUsage;
}

// Exits with the usage code when `value` is an error: a bad flag ends the
// run before any load is generated.
template <typename T>
T OrExit(absl::StatusOr<T> value) {
  if (!value.ok()) std::exit(Usage(value.status()));
  return *std::move(value);
}

int WaitServing(const Flags& flags) {
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
  std::fprintf(stderr, "quest_bench: %s not SERVING in time\n", target.c_str());
  return 1;
}

int Run(const Flags& flags) {
  LoadOptions options;
  const std::string mode = flags.String("mode", "closed");
  if (mode != "closed" && mode != "open") {
    std::fprintf(stderr, "quest_bench: --mode is closed or open\n");
    return 2;
  }
  options.mode = mode == "open" ? LoadOptions::Mode::kOpen : LoadOptions::Mode::kClosed;
  options.concurrency =
      static_cast<int>(OrExit(flags.Int64("concurrency", 20, 1, std::numeric_limits<int>::max())));
  options.rate = OrExit(flags.Double("rate", 1000));
  if (options.rate <= 0) {
    std::fprintf(stderr, "quest_bench: --rate must be > 0\n");
    return 2;
  }
  options.duration = absl::Seconds(OrExit(flags.Double("duration", 10)));
  options.warmup = absl::Seconds(OrExit(flags.Double("warmup", 2)));

  const std::string target = OrExit(flags.RequiredString("target"));
  std::vector<std::string> scenarios =
      absl::StrSplit(OrExit(flags.RequiredString("scenarios")), ',');
  std::vector<std::pair<std::string, std::string>> labels;
  if (flags.Has("labels")) {
    const std::string all_labels = flags.String("labels");
    for (absl::string_view label : absl::StrSplit(all_labels, ',', absl::SkipEmpty())) {
      std::pair<std::string, std::string> kv = absl::StrSplit(label, absl::MaxSplits('=', 1));
      labels.push_back(kv);
    }
  }

  absl::StatusOr<qs::config::DbConfig> db =
      qs::config::ParseDatabaseUrl(OrExit(flags.RequiredString("database-url")));
  if (!db.ok()) {
    std::fprintf(stderr, "quest_bench: --database-url: %s\n", db.status().ToString().c_str());
    return 2;
  }
  qs::bench::QuestDataOptions data_options;
  for (const std::string& name : scenarios) {
    if (!qs::bench::QuestScenarioSubmits(name)) continue;
    // Enough for the whole run even if every call were a submit.
    const double rate = options.mode == LoadOptions::Mode::kOpen ? options.rate : 4000;
    data_options.open_attempts +=
        static_cast<int>(rate * absl::ToDoubleSeconds(options.duration + options.warmup) * 1.2);
  }
  auto data = qs::bench::LoadQuestData(db->ConnectionString(db->host, db->port, "quest_bench"),
                                       data_options);
  if (!data.ok()) {
    std::fprintf(stderr, "quest_bench: %s\n", data.status().ToString().c_str());
    return 1;
  }

  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(16 << 20);
  const auto channel =
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), channel_args);
  std::ofstream file;
  if (flags.Has("out")) file.open(flags.String("out"), std::ios::app);
  std::ostream& out = flags.Has("out") ? file : std::cout;
  for (const std::string& name : scenarios) {
    absl::StatusOr<qs::bench::Scenario> scenario = qs::bench::QuestScenario(name, *data);
    if (!scenario.ok()) {
      std::fprintf(stderr, "quest_bench: %s\n", scenario.status().ToString().c_str());
      return 2;
    }
    qs::bench::RunResult result = qs::bench::RunLoad(channel, *scenario, options);
    out << qs::bench::ResultJson(result, labels) << std::endl;
    std::fprintf(stderr, "%-20s %8.0f calls/s  p50 %7.2f ms  p99 %7.2f ms  errors %lld\n",
                 name.c_str(), result.CallsPerSecond(),
                 absl::ToDoubleMilliseconds(result.latency.Percentile(0.5)),
                 absl::ToDoubleMilliseconds(result.latency.Percentile(0.99)),
                 static_cast<long long>(result.calls - result.ok));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  static constexpr absl::string_view kRunFlags[] = {
      "target", "database-url", "scenarios", "mode",   "concurrency",
      "rate",   "duration",     "warmup",    "labels", "out"};
  static constexpr absl::string_view kWaitServingFlags[] = {"target", "since-ns", "timeout"};
  const std::string command = argc > 1 ? argv[1] : "";
  if (command != "run" && command != "wait-serving") return Usage();
  const absl::StatusOr<Flags> flags = Flags::Parse(
      argc, argv,
      command == "run" ? absl::MakeConstSpan(kRunFlags) : absl::MakeConstSpan(kWaitServingFlags));
  if (!flags.ok()) return Usage(flags.status());
  if (flags->help()) return Usage();
  if (flags->positional().size() > 1) {
    return Usage(absl::InvalidArgumentError("unexpected argument " + flags->positional()[1]));
  }
  return command == "run" ? Run(*flags) : WaitServing(*flags);
}
