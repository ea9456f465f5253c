// W3C trace context (https://www.w3.org/TR/trace-context/) for the serving
// core: an incoming `traceparent` header, when well formed, becomes the
// call's base::CallContext::trace_parent, which the call log line shows
// (trace=<trace id>) and events the call writes carry on
// (events.v1.EventEnvelope.trace_parent). A malformed header is ignored,
// as the specification asks, never an error.
//
//   TraceContextHook trace_context;
//   options.call_hooks.push_back(&trace_context);
#ifndef QS_COMMON_GRPC_TRACE_CONTEXT_HOOK_H_
#define QS_COMMON_GRPC_TRACE_CONTEXT_HOOK_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/grpc/call_hooks.h"

namespace qs::grpc_util {

// The version-00 form of `header` ("00-<32 hex trace id>-<16 hex parent
// id>-<2 hex flags>", lowercase hex, ids not all zeros), or nullopt when it
// is not well formed. A later version's header is taken when its first
// four fields have that shape (followed by nothing or by "-..."), as the
// specification asks of a version-00 reader, and passed on as version 00.
std::optional<std::string> ParseTraceParent(absl::string_view header);

class TraceContextHook final : public CallHooks {
 public:
  grpc::Status OnStart(absl::string_view method, grpc::ServerContext& context,
                       base::CallContext& call) override;
};

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_TRACE_CONTEXT_HOOK_H_
