// The command line every service's load generator shares (tests/bench/run.sh
// drives them); a service supplies only how its scenarios are made.
//
//   int main(int argc, char** argv) {
//     return qs::bench::BenchMain(argc, argv, {"quest_bench", [](const BenchSetup& setup) {
//       ...load ids from setup.conninfo...
//       return ScenarioFactory([data](const std::string& name) { return QuestScenario(name, data);
//       });
//     }});
//   }
//
//   <tool> run --target=127.0.0.1:50051 --database-url=postgres://...
//       --scenarios=a,b [--mode=closed|open] [--concurrency=20] [--rate=1000]
//       [--duration=10] [--warmup=2] [--labels=group=main,users=1000000]
//       [--out=results.jsonl] [--deadline=5]
//       [--calls=20000 [--cpu-service-pid=PID] [--cpu-postgres-pid=POSTMASTER_PID]
//        [--cpu-primary-pid=POSTMASTER_PID]]
//       [--measure-start-command=CMD] [--measure-end-command=CMD]
//   <tool> wait-serving --target=127.0.0.1:50051 --since-ns=<unix ns> [--timeout=60]
//
// `run` appends one JSON line per scenario to --out (stdout without it) and
// prints a summary per scenario on stderr. `wait-serving` polls the health
// service until SERVING and prints the milliseconds since --since-ns.
//
// --calls (closed loop only) measures exactly that many calls after the
// warm-up (load_generator.h), and the record gets cpu_us_per_call: the CPU
// time of this process ("load_generator"), of --cpu-service-pid ("service")
// and of the PostgreSQL node whose postmaster is --cpu-postgres-pid with all
// its backends ("postgres", the read node), and of --cpu-primary-pid's
// ("postgres_primary") over those calls, per call. The commands run
// (sh -c) with nothing in flight just before the first measured call and
// just after the last, e.g. `callgrind_control -i on PID` / `-d PID`; one
// that fails ends the run with status 1. Without --calls a closed loop runs
// them too, around a window of --duration whose calls all complete before
// the end command (e.g. a snapshot of the service's metrics).
// A bad flag exits 2 before any load; a failed data load exits 1.
#ifndef QS_TESTS_BENCH_BENCH_MAIN_H_
#define QS_TESTS_BENCH_BENCH_MAIN_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/bench/load_generator.h"

namespace qs::bench {

// What a run is about to do, for the service to load the data it needs.
struct BenchSetup {
  std::string conninfo;  // libpq connection string of --database-url
  std::vector<std::string> scenarios;
  LoadOptions options;
};

// Builds a named scenario; INVALID_ARGUMENT for a name it does not know.
using ScenarioFactory = std::function<absl::StatusOr<Scenario>(const std::string& name)>;

struct BenchService {
  std::string tool;  // the binary's name, in messages
  // Loads the data of every scenario in `setup` (once, before any load).
  std::function<absl::StatusOr<ScenarioFactory>(const BenchSetup& setup)> prepare;
};

int BenchMain(int argc, char** argv, const BenchService& service);

}  // namespace qs::bench

#endif  // QS_TESTS_BENCH_BENCH_MAIN_H_
