// The serving core: every hosted method is served through one
// grpc::AsyncGenericService on a few completion queues, one thread each, with
// no thread per call. Blocking bodies run on a bounded worker pool
// (worker_pool.h); non-blocking ones (MethodTable::ServeAsync) on the
// serving threads.
//
//   grpc::ServerBuilder builder;
//   AsyncServer core(table, {.serving_threads = 2, .worker_threads = 20,
//                            .max_queued_calls = 2048}, builder);
//   std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
//   core.Start();
//   ...
//   server->Shutdown(deadline);     // (another thread) the serving threads keep polling
//   core.WaitUntilShutdownBegan(soon);
//   core.StartDraining();           // calls handed to us now: UNAVAILABLE
//   if (!core.WaitUntilDrained(drain_deadline)) core.RefuseQueuedCalls();
//   core.Stop();                    // after Shutdown returned
//
// What a call gets, and in which order, is generic_call.h's. Health and
// reflection are not served here: gRPC's own services beside this one.
#ifndef QS_COMMON_GRPC_ASYNC_SERVER_H_
#define QS_COMMON_GRPC_ASYNC_SERVER_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "common/grpc/call_hooks.h"
#include "common/grpc/method_table.h"
#include "common/grpc/serving_core.h"
#include "common/grpc/worker_pool.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/server_builder.h"

namespace qs::grpc_util {

struct AsyncServerOptions {
  int serving_threads = 1;  // Completion queues, one thread each.
  // Calls asked of gRPC ahead, per queue, so that an arriving call never
  // waits to be matched.
  int calls_asked_per_queue = 64;
  int worker_threads = 1;
  int max_queued_calls = 2048;
  // Run around every call (call_hooks.h); not owned, must outlive the server.
  std::vector<CallHooks*> call_hooks;
};

class AsyncServer {
 public:
  // Registers the generic service and the completion queues on `builder`.
  // `table` must outlive this object and not change any more.
  AsyncServer(const MethodTable& table, const AsyncServerOptions& options,
              grpc::ServerBuilder& builder);
  // Stop().
  ~AsyncServer();

  AsyncServer(const AsyncServer&) = delete;
  AsyncServer& operator=(const AsyncServer&) = delete;

  // After builder.BuildAndStart() succeeded: asks gRPC for calls and starts
  // the serving threads.
  void Start();

  // From now on a call handed to the core is answered UNAVAILABLE before
  // any work; calls already accepted go on.
  void StartDraining();

  // Answers UNAVAILABLE every call still waiting for a worker; running
  // calls go on. For the drain deadline.
  void RefuseQueuedCalls();

  // Whether, by `deadline`, grpc::Server::Shutdown has begun (gRPC no longer
  // hands out calls).
  bool WaitUntilShutdownBegan(absl::Time deadline);

  // Whether, by `deadline`, every call accepted before StartDraining has
  // been answered (calls refused since may still be open).
  bool WaitUntilNoWork(absl::Time deadline);

  // Whether, by `deadline`, grpc::Server::Shutdown has begun and every call
  // the core accepted has been answered and released.
  bool WaitUntilDrained(absl::Time deadline);

  // After grpc::Server::Shutdown() returned (or when the server never
  // started): joins the workers, shuts the queues down, drains them and
  // joins the serving threads. Idempotent.
  void Stop();

 private:
  const AsyncServerOptions options_;
  grpc::AsyncGenericService service_;
  WorkerPool workers_;
  ServingCore core_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_ASYNC_SERVER_H_
