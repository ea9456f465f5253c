// The one mapping from absl::Status to grpc::Status used by every handler.
//
//   return ToGrpcStatus(store.Create(...).status());
//
// Canonical codes are numerically identical in Abseil and gRPC, so the code
// and message are kept — except that INTERNAL and UNKNOWN both become
// INTERNAL "internal error" (details go to the log, not to callers; a caller
// never sees UNKNOWN from our code).
#ifndef QS_COMMON_GRPC_STATUS_H_
#define QS_COMMON_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace qs::grpc_util {

::grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_STATUS_H_
