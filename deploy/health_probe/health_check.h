// One grpc.health.v1.Health/Check call, and what its outcome means to an
// orchestrator: the exit codes of gRPC's Go probe.
//
//   ProbeOutcome outcome = CheckHealth(options);
//   if (outcome.exit_code != ProbeExit::kServing) std::cerr << outcome.message;
//   return static_cast<int>(outcome.exit_code);
#ifndef QS_DEPLOY_HEALTH_PROBE_HEALTH_CHECK_H_
#define QS_DEPLOY_HEALTH_PROBE_HEALTH_CHECK_H_

#include <string>

#include "deploy/health_probe/probe_options.h"

namespace qs::probe {

// Exit codes, as github.com/grpc-ecosystem/grpc-health-probe defines them,
// so Dockerfiles and Kubernetes probes read the same as with that probe.
enum class ProbeExit : int {
  kServing = 0,
  kBadFlags = 1,
  kConnectionFailed = 2,  // Refused, TLS handshake failed, or not ready in time.
  kRpcFailed = 3,         // Connected, but Check failed (e.g. NOT_FOUND: unknown service).
  kNotServing = 4,        // Check answered, with anything but SERVING.
};

struct ProbeOutcome {
  ProbeExit exit_code;
  std::string message;  // One line: the status seen, or why the probe failed.
};

// Connects to options.address and calls Check(options.service), both within
// options.timeout. A connection that fails is reported at once (one attempt,
// no reconnect back-off): a probe must answer before its orchestrator's own
// timeout, and a refused port will not open during it.
ProbeOutcome CheckHealth(const ProbeOptions& options);

}  // namespace qs::probe

#endif  // QS_DEPLOY_HEALTH_PROBE_HEALTH_CHECK_H_
