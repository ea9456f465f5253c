// The social load generator (tests/bench/run.sh --service=social drives it);
// the command line is tests/bench/bench_main.h's:
//
//   social_bench run --target=127.0.0.1:50053 --database-url=postgres://...
//       --scenarios=list_friends,send_message [--mode=closed|open] ...
//   social_bench wait-serving --target=127.0.0.1:50053 --since-ns=<unix ns>
#include <memory>
#include <string>

#include "tests/bench/bench_main.h"
#include "tests/bench/social_scenarios.h"

namespace {

absl::StatusOr<qs::bench::ScenarioFactory> Prepare(const qs::bench::BenchSetup& setup) {
  absl::StatusOr<std::shared_ptr<qs::bench::SocialData>> data =
      qs::bench::LoadSocialData(setup.conninfo, {});
  if (!data.ok()) return data.status();
  return qs::bench::ScenarioFactory(
      [data = *data](const std::string& name) { return qs::bench::SocialScenario(name, data); });
}

}  // namespace

int main(int argc, char** argv) {
  return qs::bench::BenchMain(argc, argv, {"social_bench", Prepare});
}
