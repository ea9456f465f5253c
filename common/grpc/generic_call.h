// One unary call through the serving core, from the moment the core asks
// gRPC for a call until gRPC is done with it. Internal to async_server.h.
//
//   (new GenericCall(core, cq))->Arm();   // asks gRPC for the next call
//   ...the serving thread of `cq`:
//   while (cq->Next(&tag, &ok)) GenericCall::OnEvent(tag, ok);
//
// Life of a call: accepted → (draining: UNAVAILABLE; unknown path:
// UNIMPLEMENTED) → request read → (deadline passed: DEADLINE_EXCEEDED; does
// not parse: INVALID_ARGUMENT naming the type or field) → async body on the
// serving thread, or blocking body on a worker (pool full:
// RESOURCE_EXHAUSTED at once; abandoned at the drain deadline: UNAVAILABLE)
// → Finish: the call log line, then the response and status are sent. The
// object deletes itself once gRPC has reported both the end of the send and
// the end of the call (AsyncNotifyWhenDone); both events arrive on `cq`'s
// single serving thread, so that count needs no lock.
#ifndef QS_COMMON_GRPC_GENERIC_CALL_H_
#define QS_COMMON_GRPC_GENERIC_CALL_H_

#include <atomic>
#include <chrono>

#include "common/base/call_context.h"
#include "common/grpc/method_table.h"
#include "common/grpc/serving_core.h"
#include "google/protobuf/arena.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/support/byte_buffer.h"

namespace qs::grpc_util {

class GenericCall {
 public:
  GenericCall(ServingCore& core, grpc::ServerCompletionQueue* queue);

  GenericCall(const GenericCall&) = delete;
  GenericCall& operator=(const GenericCall&) = delete;

  // Asks gRPC for the next call on this queue.
  void Arm();

  // Handles one completion-queue event whose tag came from a GenericCall.
  static void OnEvent(void* tag, bool ok);

  // Sends `status` (and the response when it is OK) and writes the call log
  // line. Exactly once per accepted call; from any thread; the object may
  // be gone when it returns.
  void Finish(const grpc::Status& status);

 private:
  enum class Event { kAccepted, kRead, kSent, kDone };
  struct Tag {
    GenericCall* call;
    Event event;
  };

  ~GenericCall() = default;

  void OnAccepted(bool ok);
  void OnRead(bool ok);
  // Every hook's OnStart; the first non-OK status.
  grpc::Status StartHooks();
  void Dispatch();
  void RunBlocking();
  bool Offload(std::function<void()> work);
  void Release();

  ServingCore& core_;
  grpc::ServerCompletionQueue* queue_;
  grpc::GenericServerContext context_;
  grpc::GenericServerAsyncReaderWriter stream_;
  grpc::ByteBuffer request_bytes_;
  grpc::ByteBuffer response_bytes_;
  Tag accepted_{this, Event::kAccepted};
  Tag read_{this, Event::kRead};
  Tag sent_{this, Event::kSent};
  Tag done_{this, Event::kDone};
  // kSent and kDone still to come; touched by the serving thread only.
  int pending_events_ = 0;
  // Counted in ServingCore::TryStartWork (accepted before the drain began).
  bool working_ = false;
  std::atomic<bool> finished_{false};
  std::chrono::steady_clock::time_point started_;
  const UnaryMethod* method_ = nullptr;
  // Filled by the hooks' OnStart, current around every piece of the work.
  base::CallContext call_context_;
  // The request and response messages live here: one arena per call saves
  // their allocations, and the first block is part of this object.
  alignas(16) char arena_block_[1024];
  google::protobuf::Arena arena_;
  google::protobuf::Message* request_ = nullptr;
  google::protobuf::Message* response_ = nullptr;
};

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_GENERIC_CALL_H_
