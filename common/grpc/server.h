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
// - the serving core (async_server.h): every hosted method through one
//   generic async service on GRPC_SERVING_THREADS completion queues;
//   blocking bodies on GRPC_WORKER_THREADS workers with at most
//   GRPC_MAX_QUEUED_CALLS waiting (past it: RESOURCE_EXHAUSTED at once);
// - grpc.health.v1.Health: NOT_SERVING until `readiness_probe` succeeds, then
//   tracks it every `probe_interval` (overall "" and each service's name);
// - server reflection (grpc.reflection.v1alpha), so `grpcurl list` works,
//   hosted services included (reflection_service_list.h);
// - one log line per call (call_log.h), written by the core;
// - INVALID_ARGUMENT naming the type, or the field, for a request that does
//   not parse, e.g. invalid UTF-8 in a string (request_parse_error.h; the
//   field is named once CaptureInvalidUtf8ParseErrors() has run);
// - TLS / mutual TLS / plaintext from config (server_credentials.h);
// - graceful shutdown on SIGTERM or SIGINT: health turns NOT_SERVING at
//   once; calls are served as usual for GRPC_SHUTDOWN_GRACE_MS (load
//   balancers stop sending); then a call handed to the core is answered
//   UNAVAILABLE before any work, the listener closes and the calls already
//   accepted run to completion; at the drain deadline (`drain_timeout`)
//   `on_drain_deadline` runs and calls still waiting for a worker are
//   answered UNAVAILABLE. No call is answered CANCELLED by the server. The
//   function then returns 0.
#ifndef QS_COMMON_GRPC_SERVER_H_
#define QS_COMMON_GRPC_SERVER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/config/server_config.h"
#include "common/grpc/call_hooks.h"
#include "common/grpc/method_table.h"

namespace qs::grpc_util {

// One hosted gRPC service: its full name (health, reflection) and how its
// methods enter the method table.
struct HostedService {
  std::string full_name;  // e.g. "quest.v1.PuzzleService".
  std::function<void(MethodTable&)> add_methods;

  // Takes the name and the method list from the generated code:
  //   HostedService::Of<::quest::v1::PuzzleService>(&puzzle_handler)
  // `service` is not owned; it must outlive ServeUntilTerminated.
  template <typename GeneratedService>
  static HostedService Of(typename GeneratedService::Service* service) {
    return {GeneratedService::service_full_name(),
            [service](MethodTable& table) { table.AddService<GeneratedService>(service); }};
  }
};

struct ServeOptions {
  std::string service_name;  // e.g. "quest", for logs.
  std::vector<HostedService> services;
  std::function<absl::Status()> readiness_probe;
  // Runs when the drain deadline passes with calls still running, to unblock
  // handlers that wait on something else (e.g. cancel database queries): a
  // running handler has to return before its call can be answered.
  std::function<void()> on_drain_deadline;
  absl::Duration probe_interval = absl::Seconds(1);
  // Run around every call of the hosted services (call_hooks.h), in this
  // order; not owned, must outlive ServeUntilTerminated.
  std::vector<CallHooks*> call_hooks;
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
