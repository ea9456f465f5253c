// The quest load generator (tests/bench/run.sh drives it); the command line
// is tests/bench/bench_main.h's:
//
//   quest_bench run --target=127.0.0.1:50051 --database-url=postgres://...
//       --scenarios=get_puzzle,mixed [--mode=closed|open] [--concurrency=20] ...
//   quest_bench wait-serving --target=127.0.0.1:50051 --since-ns=<unix ns>
#include <memory>
#include <string>

#include "tests/bench/bench_main.h"
#include "tests/bench/quest_scenarios.h"

namespace {

using qs::bench::BenchSetup;
using qs::bench::LoadOptions;

absl::StatusOr<qs::bench::ScenarioFactory> Prepare(const BenchSetup& setup) {
  qs::bench::QuestDataOptions data_options;
  // Enough for the whole run even if every call were a submit.
  const LoadOptions& options = setup.options;
  const double rate = options.mode == LoadOptions::Mode::kOpen ? options.rate : 4000;
  const int attempts =
      static_cast<int>(rate * absl::ToDoubleSeconds(options.duration + options.warmup) * 1.2);
  for (const std::string& name : setup.scenarios) {
    if (qs::bench::QuestScenarioSubmits(name)) data_options.open_attempts += attempts;
    if (qs::bench::QuestScenarioSubmitsHot(name)) data_options.hot_open_attempts += attempts;
  }
  absl::StatusOr<std::shared_ptr<qs::bench::QuestData>> data =
      qs::bench::LoadQuestData(setup.conninfo, data_options);
  if (!data.ok()) return data.status();
  return qs::bench::ScenarioFactory(
      [data = *data](const std::string& name) { return qs::bench::QuestScenario(name, data); });
}

}  // namespace

int main(int argc, char** argv) {
  return qs::bench::BenchMain(argc, argv, {"quest_bench", Prepare});
}
