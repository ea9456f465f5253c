// The notification load generator (tests/bench/run.sh --service=notification
// drives it); the command line is tests/bench/bench_main.h's:
//
//   notification_bench run --target=127.0.0.1:50052 --database-url=postgres://...
//       --scenarios=list_notifications,mark_read [--mode=closed|open] ...
//   notification_bench wait-serving --target=127.0.0.1:50052 --since-ns=<unix ns>
#include <memory>
#include <string>

#include "tests/bench/bench_main.h"
#include "tests/bench/notification_scenarios.h"

namespace {

absl::StatusOr<qs::bench::ScenarioFactory> Prepare(const qs::bench::BenchSetup& setup) {
  absl::StatusOr<std::shared_ptr<qs::bench::NotificationData>> data =
      qs::bench::LoadNotificationData(setup.conninfo, {});
  if (!data.ok()) return data.status();
  return qs::bench::ScenarioFactory([data = *data](const std::string& name) {
    return qs::bench::NotificationScenario(name, data);
  });
}

}  // namespace

int main(int argc, char** argv) {
  return qs::bench::BenchMain(argc, argv, {"notification_bench", Prepare});
}
