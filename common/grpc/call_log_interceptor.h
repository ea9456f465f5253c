// Logs one structured line per RPC: method, status, duration, peer.
//
//   builder.experimental().SetInterceptorCreators(MakeCallLogInterceptors());
//
// e.g. `rpc method=/ops.v1.Diagnostics/Probe status=OK duration_ms=0.412
// peer=ipv4:127.0.0.1:51234`, with `message="..."` for errors.
#ifndef QS_COMMON_GRPC_CALL_LOG_INTERCEPTOR_H_
#define QS_COMMON_GRPC_CALL_LOG_INTERCEPTOR_H_

#include <memory>
#include <vector>

#include "grpcpp/support/server_interceptor.h"

namespace qs::grpc_util {

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeCallLogInterceptors();

// "OK", "INVALID_ARGUMENT", ...
const char* StatusCodeName(grpc::StatusCode code);

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_CALL_LOG_INTERCEPTOR_H_
