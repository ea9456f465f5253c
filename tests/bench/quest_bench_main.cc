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
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/config/database_url.h"
#include "grpcpp/create_channel.h"
#include "tests/bench/quest_scenarios.h"
#include "tests/support/service_process.h"

namespace {

using qs::bench::LoadOptions;

std::map<std::string, std::string> ParseFlags(int argc, char** argv, int first) {
  std::map<std::string, std::string> flags;
  for (int i = first; i < argc; ++i) {
    std::string argument = argv[i];
    const size_t equals = argument.find('=');
    if (argument.rfind("--", 0) != 0 || equals == std::string::npos) {
      std::fprintf(stderr, "quest_bench: expected --name=value, got %s\n", argv[i]);
      std::exit(2);
    }
    flags[argument.substr(2, equals - 2)] = argument.substr(equals + 1);
  }
  return flags;
}

double Number(const std::map<std::string, std::string>& flags, const std::string& name,
              double fallback) {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  double value = 0;
  if (!absl::SimpleAtod(it->second, &value)) {
    std::fprintf(stderr, "quest_bench: --%s must be a number\n", name.c_str());
    std::exit(2);
  }
  return value;
}

std::string Required(const std::map<std::string, std::string>& flags, const std::string& name) {
  auto it = flags.find(name);
  if (it == flags.end() || it->second.empty()) {
    std::fprintf(stderr, "quest_bench: --%s is required\n", name.c_str());
    std::exit(2);
  }
  return it->second;
}

int WaitServing(const std::map<std::string, std::string>& flags) {
  const std::string target = Required(flags, "target");
  const absl::Time since = absl::FromUnixNanos(static_cast<int64_t>(Number(flags, "since-ns", 0)));
  const absl::Time give_up = absl::Now() + absl::Seconds(Number(flags, "timeout", 60));
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

int Run(const std::map<std::string, std::string>& flags) {
  LoadOptions options;
  const std::string mode = flags.count("mode") ? flags.at("mode") : "closed";
  if (mode != "closed" && mode != "open") {
    std::fprintf(stderr, "quest_bench: --mode is closed or open\n");
    return 2;
  }
  options.mode = mode == "open" ? LoadOptions::Mode::kOpen : LoadOptions::Mode::kClosed;
  options.concurrency = static_cast<int>(Number(flags, "concurrency", 20));
  options.rate = Number(flags, "rate", 1000);
  if (options.rate <= 0 || options.concurrency < 1) {
    std::fprintf(stderr, "quest_bench: --rate must be > 0 and --concurrency >= 1\n");
    return 2;
  }
  options.duration = absl::Seconds(Number(flags, "duration", 10));
  options.warmup = absl::Seconds(Number(flags, "warmup", 2));

  std::vector<std::string> scenarios = absl::StrSplit(Required(flags, "scenarios"), ',');
  std::vector<std::pair<std::string, std::string>> labels;
  if (flags.count("labels")) {
    for (absl::string_view label : absl::StrSplit(flags.at("labels"), ',', absl::SkipEmpty())) {
      std::pair<std::string, std::string> kv = absl::StrSplit(label, absl::MaxSplits('=', 1));
      labels.push_back(kv);
    }
  }

  absl::StatusOr<qs::config::DbConfig> db = qs::config::ParseDatabaseUrl(Required(flags, "database-url"));
  if (!db.ok()) {
    std::fprintf(stderr, "quest_bench: --database-url: %s\n", db.status().ToString().c_str());
    return 2;
  }
  qs::bench::QuestDataOptions data_options;
  for (const std::string& name : scenarios) {
    if (!qs::bench::QuestScenarioSubmits(name)) continue;
    // Enough for the whole run even if every call were a submit.
    const double rate = options.mode == LoadOptions::Mode::kOpen ? options.rate : 4000;
    data_options.open_attempts += static_cast<int>(
        rate * absl::ToDoubleSeconds(options.duration + options.warmup) * 1.2);
  }
  auto data = qs::bench::LoadQuestData(db->ConnectionString(db->host, db->port, "quest_bench"), data_options);
  if (!data.ok()) {
    std::fprintf(stderr, "quest_bench: %s\n", data.status().ToString().c_str());
    return 1;
  }

  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(16 << 20);
  const auto channel = grpc::CreateCustomChannel(
      Required(flags, "target"), grpc::InsecureChannelCredentials(), channel_args);
  std::ofstream file;
  if (flags.count("out")) file.open(flags.at("out"), std::ios::app);
  std::ostream& out = flags.count("out") ? file : std::cout;
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
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "run") return Run(ParseFlags(argc, argv, 2));
  if (command == "wait-serving") return WaitServing(ParseFlags(argc, argv, 2));
  std::fprintf(stderr, "usage: quest_bench run|wait-serving --name=value ...\n");
  return 2;
}
