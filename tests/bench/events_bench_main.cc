// The event-stream load tool (tests/bench/events.sh drives it):
//
//   events_bench latency --rate=1000 --duration=10 COMMON
//   events_bench relay --events=100000 --relays=2 COMMON
//   events_bench drain --events=100000 --stop-nats='cmd' --start-nats='cmd' COMMON
//   COMMON: --source-url=postgres://quest_svc:...@127.0.0.1:57432/quest_db
//           --consumer-url=postgres://notification_svc:...@127.0.0.1:57432/notification_db
//           --nats-url=nats://127.0.0.1:57222 --namespace=bench1 [--out=results.jsonl]
//
// Prints the phase's JSON line on stdout (appends it to --out); see
// events_bench.h for what each phase measures. Bad flags exit 2, a failed
// phase 1.
#include <fstream>
#include <iostream>

#include "common/cli/flags.h"
#include "common/config/database_url.h"
#include "tests/bench/events_bench.h"

namespace {

constexpr absl::string_view kFlags[] = {"source-url", "consumer-url", "nats-url", "namespace",
                                        "rate",       "duration",     "events",   "relays",
                                        "stop-nats",  "start-nats",   "out"};

int Usage(const absl::Status& status) {
  std::cerr << "events_bench: " << status.message() << "\n"
            << "usage: events_bench latency|relay|drain --source-url=... --consumer-url=... "
               "--nats-url=... --namespace=... [phase flags] [--out=FILE]\n";
  return 2;
}

absl::StatusOr<std::string> Run(const qs::cli::Flags& flags) {
  qs::bench::EventsBenchSetup setup;
  absl::StatusOr<std::string> source = flags.RequiredString("source-url");
  if (!source.ok()) return source.status();
  absl::StatusOr<qs::config::DbConfig> source_db = qs::config::ParseDatabaseUrl(*source);
  if (!source_db.ok()) return source_db.status();
  absl::StatusOr<std::string> consumer = flags.RequiredString("consumer-url");
  if (!consumer.ok()) return consumer.status();
  absl::StatusOr<qs::config::DbConfig> consumer_db = qs::config::ParseDatabaseUrl(*consumer);
  if (!consumer_db.ok()) return consumer_db.status();
  setup.source = *source_db;
  setup.consumer = *consumer_db;
  setup.settings.nats_url = flags.String("nats-url", setup.settings.nats_url);
  setup.settings.name_space = flags.String("namespace", "bench");

  const std::string phase = flags.positional().empty() ? "" : flags.positional()[0];
  if (phase == "latency") {
    absl::StatusOr<int64_t> rate = flags.Int64("rate", 1000, 1, 100'000);
    if (!rate.ok()) return rate.status();
    absl::StatusOr<int64_t> seconds = flags.Int64("duration", 10, 1, 3600);
    if (!seconds.ok()) return seconds.status();
    return qs::bench::MeasureLatency(setup, static_cast<int>(*rate), absl::Seconds(*seconds));
  }
  absl::StatusOr<int64_t> events = flags.Int64("events", 100'000, 1, 10'000'000);
  if (!events.ok()) return events.status();
  if (phase == "relay") {
    absl::StatusOr<int64_t> relays = flags.Int64("relays", 1, 1, 16);
    if (!relays.ok()) return relays.status();
    return qs::bench::MeasureRelayThroughput(setup, static_cast<int>(*events),
                                             static_cast<int>(*relays));
  }
  if (phase == "drain") {
    absl::StatusOr<std::string> stop = flags.RequiredString("stop-nats");
    if (!stop.ok()) return stop.status();
    absl::StatusOr<std::string> start = flags.RequiredString("start-nats");
    if (!start.ok()) return start.status();
    return qs::bench::MeasureDrain(setup, static_cast<int>(*events), *stop, *start);
  }
  return absl::InvalidArgumentError("the phase must be latency, relay or drain");
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<qs::cli::Flags> flags = qs::cli::Flags::Parse(argc, argv, kFlags);
  if (!flags.ok()) return Usage(flags.status());
  absl::StatusOr<std::string> line = Run(*flags);
  if (!line.ok()) {
    if (line.status().code() == absl::StatusCode::kInvalidArgument) return Usage(line.status());
    std::cerr << "events_bench: " << line.status().message() << "\n";
    return 1;
  }
  std::cout << *line << std::endl;
  if (std::string out = flags->String("out"); !out.empty()) {
    std::ofstream(out, std::ios::app) << *line << "\n";
  }
  return 0;
}
