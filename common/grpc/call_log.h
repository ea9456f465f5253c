// The one log line per RPC, written by the serving core when it sends the
// status (async_server.h), and by call_log_interceptor.h for servers built
// with gRPC's sync API:
//
//   rpc method=/ops.v1.Diagnostics/Probe status=OK duration_ms=0.412 peer=ipv4:127.0.0.1:51234
//   rpc method=... status=INVALID_ARGUMENT duration_ms=... peer=... message="hold_ms: ..."
//
// followed, when the call has them, by ` user=<acting user>` and
// ` trace=<W3C trace id>` (before message=). With LOG_FORMAT=json
// (CallLogFormat::kJson) the same line is the log object's own fields:
//
//   {"time":...,"level":"info","service":"quest","event":"rpc",
//    "method":"/quest.v1.PuzzleService/GetPuzzle","code":"OK","duration_ms":0.412,
//    "user":"<uuid or empty>","trace_id":"<32 hex or empty>","peer":"ipv4:...","message":""}
//
// OK at info, anything else at warn. Tests and operators grep these lines.
#ifndef QS_COMMON_GRPC_CALL_LOG_H_
#define QS_COMMON_GRPC_CALL_LOG_H_

#include <string>

#include "absl/strings/string_view.h"
#include "common/base/call_context.h"
#include "grpcpp/support/status.h"

namespace qs::grpc_util {

enum class CallLogFormat { kText, kJson };

// Set once by the logging set-up (common/service/logging.h), before serving.
void SetCallLogFormat(CallLogFormat format);

// The trace id (32 hex digits) of a well-formed `traceparent`, else empty.
absl::string_view TraceIdOf(absl::string_view trace_parent);

// Whether an OK call's line would be written at the current level: the
// caller can then skip computing the peer (it allocates).
bool CallLogWritesOk();

// Writes the line for one call. `peer` as grpc::ServerContext::peer() gives
// it; `call` gives the acting user and the trace.
void LogCall(absl::string_view method, const grpc::Status& status, double duration_ms,
             absl::string_view peer, const base::CallContext& call);

// "OK", "INVALID_ARGUMENT", ...
const char* StatusCodeName(grpc::StatusCode code);

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_CALL_LOG_H_
