// Logs one structured line per RPC (call_log.h) for a server built with
// gRPC's sync API; the services' serving core (async_server.h) writes the
// same line itself, without an interceptor's per-call allocations.
//
//   builder.experimental().SetInterceptorCreators(MakeCallLogInterceptors());
//
// e.g. `rpc method=/ops.v1.Diagnostics/Probe status=OK duration_ms=0.412
// peer=ipv4:127.0.0.1:51234`, with `message="..."` for errors.
#ifndef QS_COMMON_GRPC_CALL_LOG_INTERCEPTOR_H_
#define QS_COMMON_GRPC_CALL_LOG_INTERCEPTOR_H_

#include <memory>
#include <vector>

#include "common/grpc/call_log.h"  // StatusCodeName, for existing callers.
#include "grpcpp/support/server_interceptor.h"

namespace qs::grpc_util {

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeCallLogInterceptors();

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_CALL_LOG_INTERCEPTOR_H_
