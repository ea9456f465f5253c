// Turns gRPC's answer to a request message that does not parse — INTERNAL
// with an empty message, before any handler runs — into INVALID_ARGUMENT
// that names the field (request_parse_error.h), for every service of a
// server built on gRPC's sync API. The services' serving core parses
// requests itself and builds the same status without an interceptor
// (generic_call.h); this stays for sync servers (and its tests):
//
//   CaptureInvalidUtf8ParseErrors();  // at start-up: names the field
//   auto interceptors = MakeRequestParseErrorInterceptors();  // first in the list
//   builder.experimental().SetInterceptorCreators(std::move(interceptors));
//
// e.g. CreatePuzzle with a title of bytes C3 28 answers INVALID_ARGUMENT
// "title: must be valid UTF-8" instead of INTERNAL "".
//
// How it tells a parse failure from a handler's INTERNAL: the sync server
// parses the request and then shows it to interceptors at POST_RECV_MESSAGE,
// as nullptr when the parse failed, in which case the handler never runs
// and the INTERNAL it sends next is the parse error's. (nullptr with any
// other status, e.g. RESOURCE_EXHAUSTED when the server has no thread left,
// is left alone.) Only methods whose request arrives with the call (unary,
// server streaming) are watched; others get no interceptor at all.
//
// Put it before the call log in the list: server interceptors see
// PRE_SEND_STATUS in list order, so the log records the rewritten status.
// Naming the field relies on the parse and POST_RECV_MESSAGE running on one
// thread, as they do in gRPC 1.51's sync server (every service here); when
// nothing was captured the status still says the request did not parse.
#ifndef QS_COMMON_GRPC_REQUEST_PARSE_ERROR_INTERCEPTOR_H_
#define QS_COMMON_GRPC_REQUEST_PARSE_ERROR_INTERCEPTOR_H_

#include <memory>
#include <vector>

#include "grpcpp/support/server_interceptor.h"

namespace qs::grpc_util {

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeRequestParseErrorInterceptors();

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_REQUEST_PARSE_ERROR_INTERCEPTOR_H_
