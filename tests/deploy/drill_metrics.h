// How many calls one service instance of the drill answered, from its own
// Prometheus endpoint (METRICS_LISTEN_ADDRESS=0.0.0.0:9464 in the compose
// files): grpc_server_handled_total (common/metrics/rpc_metrics.h).
//
// The service images hold no HTTP client and nothing new is published to
// the host, so the endpoint is read from inside the project's network:
// wget in a NATS container asks http://<instance's address>:9464/metrics.
//
//   absl::StatusOr<int64_t> calls = HandledCalls(project, nats, "quest-2",
//       "quest.v1.AttemptService", "SubmitAttempt");
#ifndef QS_TESTS_DEPLOY_DRILL_METRICS_H_
#define QS_TESTS_DEPLOY_DRILL_METRICS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "tests/deploy/drill_compose.h"

namespace qs::drill {

// Pure: the sum of grpc_server_handled_total over the series of
// `grpc_service`/`grpc_method` answered with `grpc_code`, in Prometheus'
// text format `exposition`. 0 when no such series; an error when a
// matching series' value is not a number.
absl::StatusOr<int64_t> SumHandled(const std::string& exposition, const std::string& grpc_service,
                                   const std::string& grpc_method,
                                   const std::string& grpc_code = "OK");

// SumHandled of what compose service `instance` ("quest-2") of `project`
// exposes now, read through wget in `via_container` (3 tries, 1 s apart).
absl::StatusOr<int64_t> HandledCalls(const ComposeProject& project,
                                     const std::string& via_container, const std::string& instance,
                                     const std::string& grpc_service,
                                     const std::string& grpc_method);

}  // namespace qs::drill

#endif  // QS_TESTS_DEPLOY_DRILL_METRICS_H_
