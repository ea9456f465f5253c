// grpc-health-probe: the container images' health check (HEALTHCHECK in
// deploy/images/service.Dockerfile, the Kubernetes exec probes). gRPC's own
// probe is Go, which this offline machine cannot build; this one keeps its
// exit codes and messages (health_check.h).
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "deploy/health_probe/health_check.h"
#include "deploy/health_probe/probe_options.h"
#include "grpc/support/log.h"

namespace {

// gRPC core logs connection errors itself; the probe's contract is the one
// line it prints, which already carries the reason.
void DiscardGrpcLog(gpr_log_func_args*) {}

}  // namespace

int main(int argc, char** argv) {
  gpr_set_log_function(DiscardGrpcLog);
  absl::StatusOr<qs::probe::ProbeOptions> options = qs::probe::ParseProbeOptions(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(options.status().message()).c_str());
    return static_cast<int>(qs::probe::ProbeExit::kBadFlags);
  }
  if (options->help) {
    std::fputs(qs::probe::ProbeUsage(), stdout);
    return 0;
  }
  qs::probe::ProbeOutcome outcome = qs::probe::CheckHealth(*options);
  const bool serving = outcome.exit_code == qs::probe::ProbeExit::kServing;
  std::fprintf(serving ? stdout : stderr, "%s\n", outcome.message.c_str());
  return static_cast<int>(outcome.exit_code);
}
