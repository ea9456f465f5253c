// What the code serving one RPC knows about the call beyond its request:
// filled by the serving core (common/grpc/generic_call.h) from the call's
// metadata before the body runs, read and added to by the layers below it,
// and turned into trailing metadata when the call is answered.
//
//   // in a store, on whichever thread the body runs:
//   if (const base::CallContext* call = base::CurrentCall()) {
//     envelope.set_trace_parent(call->trace_parent);
//   }
//
// The serving core installs the call's context as the current one around
// every piece of the call's work (the async body on a serving thread, a
// blocking body or an offloaded step on a worker); outside a call (tests,
// background workers, tools) CurrentCall() is null and every user of it must
// work without one.
#ifndef QS_COMMON_BASE_CALL_CONTEXT_H_
#define QS_COMMON_BASE_CALL_CONTEXT_H_

#include <cstdint>
#include <optional>
#include <string>

namespace qs::base {

struct CallContext {
  // The incoming W3C `traceparent` header when it is well formed, else
  // empty ("00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>").
  std::string trace_parent;
  // The acting user once authenticated (x-user-id or a verified token),
  // else empty. For logs and per-user limits; handlers take the user from
  // api::ActingUserId.
  std::string user_id;
  // When user_id is empty: why the call is not authenticated, a static
  // message the auth hook found once (e.g. "x-user-id metadata is not a
  // UUID"), which api::ActingUserId answers as UNAUTHENTICATED without
  // reading the metadata again; null when no auth hook ran.
  const char* unauthenticated_reason = nullptr;
  // `x-min-lsn`: the read must reflect every write up to this WAL position
  // (a commit LSN a previous call returned in `x-db-lsn`).
  std::optional<uint64_t> min_lsn;
  // The highest commit LSN of this call's writes, 0 when it wrote nothing;
  // sent back as the `x-db-lsn` trailer.
  uint64_t commit_lsn = 0;
};

// The context of the call the current thread works for, or null.
CallContext* CurrentCall();

// Makes `call` the current thread's call until destroyed (then the previous
// one again). Not movable: it lives in one scope on one thread.
class ScopedCall {
 public:
  explicit ScopedCall(CallContext* call);
  ~ScopedCall();
  ScopedCall(const ScopedCall&) = delete;
  ScopedCall& operator=(const ScopedCall&) = delete;

 private:
  CallContext* previous_;
};

}  // namespace qs::base

#endif  // QS_COMMON_BASE_CALL_CONTEXT_H_
