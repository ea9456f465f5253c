// What a server does around every call of the serving core, beside the
// body: reading call metadata into the call's context (trace, LSNs, user),
// admitting or refusing the call (authentication, rate limits), and on the
// way out adding trailing metadata (x-db-lsn, retry hints) and recording the
// call (metrics). Registered once at start-up (ServeOptions::call_hooks) and
// then only read, from every serving and worker thread at once: an
// implementation must be thread-safe.
//
// Order for one call: every hook's OnStart in registration order, on the
// serving thread, after the request parsed and before the body (the first
// non-OK status answers the call; the later hooks' OnStart do not run) →
// the body, with `call` current (base::CurrentCall()) → every hook's
// OnFinish, in registration order, on the thread that answers, right before
// the status is sent; also for calls refused before the body.
#ifndef QS_COMMON_GRPC_CALL_HOOKS_H_
#define QS_COMMON_GRPC_CALL_HOOKS_H_

#include "absl/strings/string_view.h"
#include "common/base/call_context.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace qs::grpc_util {

class CallHooks {
 public:
  virtual ~CallHooks() = default;

  // `method` is the full path, e.g. "/quest.v1.PuzzleService/GetPuzzle".
  // A non-OK status answers the call with it; nothing of the body runs.
  virtual grpc::Status OnStart(absl::string_view method, grpc::ServerContext& context,
                               base::CallContext& call) {
    (void)method;
    (void)context;
    (void)call;
    return grpc::Status::OK;
  }

  // `status` is what is about to be sent; trailing metadata added to
  // `context` here goes with it. `duration_seconds` counts from acceptance.
  virtual void OnFinish(absl::string_view method, grpc::ServerContext& context,
                        const base::CallContext& call, const grpc::Status& status,
                        double duration_seconds) {
    (void)method;
    (void)context;
    (void)call;
    (void)status;
    (void)duration_seconds;
  }
};

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_CALL_HOOKS_H_
