// The gRPC server bootstrap shared by every service.
//
//   BlockTerminationSignals();            // first thing in main
//   ...build config, database, handlers...
//   qs::quest::PuzzleHandler puzzles(db, page_tokens);
//   return ServeUntilTerminated(server_config, {
//       .service_name = "quest",
//       .services = {HostedService::Of<::quest::v1::PuzzleService>(&puzzles)},
//       .readiness_probe = [&] { return db.Ping(); }});
//
// Services normally get all of this through common/service/service_main.h.
//
// What it sets up:
// - grpc.health.v1.Health: NOT_SERVING until `readiness_probe` succeeds, then
//   tracks it every `probe_interval` (overall "" and each service's name);
// - server reflection (grpc.reflection.v1alpha), so `grpcurl list` works;
// - one log line per call (call_log_interceptor.h);
// - INVALID_ARGUMENT naming the field for a request that does not parse,
//   e.g. invalid UTF-8 in a string (request_parse_error_interceptor.h; the
//   field is named once CaptureInvalidUtf8ParseErrors() has run);
// - TLS / mutual TLS / plaintext from config (server_credentials.h);
// - graceful shutdown: on SIGTERM or SIGINT health turns NOT_SERVING, new
//   calls are refused, in-flight calls get `drain_timeout` to finish (then
//   they are cancelled), and the function returns 0.
#ifndef QS_COMMON_GRPC_SERVER_H_
#define QS_COMMON_GRPC_SERVER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/config/server_config.h"
#include "grpcpp/impl/codegen/service_type.h"

namespace qs::grpc_util {

// One gRPC service implementation and its full name for health checks.
struct HostedService {
  grpc::Service* service;  // Not owned; must outlive ServeUntilTerminated.
  std::string full_name;   // e.g. "quest.v1.PuzzleService".

  // Takes the name from the generated code:
  //   HostedService::Of<::quest::v1::PuzzleService>(&puzzle_handler)
  template <typename GeneratedService>
  static HostedService Of(typename GeneratedService::Service* service) {
    return {service, GeneratedService::service_full_name()};
  }
};

struct ServeOptions {
  std::string service_name;  // e.g. "quest", for logs.
  std::vector<HostedService> services;
  std::function<absl::Status()> readiness_probe;
  // Runs when the drain deadline passes with calls still running, to unblock
  // handlers that wait on something else (e.g. cancel database queries):
  // gRPC cancels the calls, but a handler still has to return.
  std::function<void()> on_drain_deadline;
  absl::Duration probe_interval = absl::Seconds(1);
};

// Blocks SIGTERM and SIGINT in the calling thread and so in every thread it
// starts later; ServeUntilTerminated then receives them with sigwait. Call
// before any thread is created.
void BlockTerminationSignals();

// Serves until SIGTERM/SIGINT, then drains. Returns the process exit code:
// 0 after a clean drain, 1 when the server could not start.
int ServeUntilTerminated(const config::ServerConfig& config, const ServeOptions& options);

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_SERVER_H_
