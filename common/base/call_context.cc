#include "common/base/call_context.h"

namespace qs::base {
namespace {
thread_local CallContext* current_call = nullptr;
}  // namespace

CallContext* CurrentCall() { return current_call; }

ScopedCall::ScopedCall(CallContext* call) : previous_(current_call) { current_call = call; }

ScopedCall::~ScopedCall() { current_call = previous_; }

}  // namespace qs::base
