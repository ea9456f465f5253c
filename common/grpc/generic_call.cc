#include "common/grpc/generic_call.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc/call_log.h"
#include "common/grpc/invalid_utf8_capture.h"
#include "common/grpc/request_parse_error.h"
#include "grpc/support/time.h"
#include "grpcpp/impl/codegen/proto_buffer_reader.h"
#include "grpcpp/impl/codegen/proto_buffer_writer.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "spdlog/spdlog.h"

namespace qs::grpc_util {
namespace {

google::protobuf::ArenaOptions FirstBlockIn(char* block, size_t size) {
  google::protobuf::ArenaOptions options;
  options.initial_block = block;
  options.initial_block_size = size;
  return options;
}

const grpc::Status& ShuttingDown() {
  static const grpc::Status* status =
      new grpc::Status(grpc::StatusCode::UNAVAILABLE, "server is shutting down");
  return *status;
}

// On gRPC's own clock and type: a caller's deadline may be centuries away
// (grpc-timeout allows 99999999H), past what a chrono time_point can hold.
bool DeadlinePassed(const grpc::ServerContext& context) {
  const gpr_timespec deadline = context.raw_deadline();
  return gpr_time_cmp(deadline, gpr_now(deadline.clock_type)) <= 0;
}

// A body that throws answers its own call, and the process lives on (gRPC's
// synchronous server caught handler exceptions too).
grpc::Status InternalErrorFrom(const char* what, const std::string& method) {
  spdlog::error("rpc method={} threw: {}", method, what);
  return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
}

}  // namespace

GenericCall::GenericCall(ServingCore& core, grpc::ServerCompletionQueue* queue)
    : core_(core),
      queue_(queue),
      stream_(&context_),
      arena_(FirstBlockIn(arena_block_, sizeof(arena_block_))) {}

void GenericCall::Arm() {
  // Before RequestCall, as gRPC requires; IsCancelled() needs it.
  context_.AsyncNotifyWhenDone(&done_);
  core_.service.RequestCall(&context_, &stream_, queue_, queue_, &accepted_);
}

void GenericCall::OnEvent(void* tag, bool ok) {
  Tag* event = static_cast<Tag*>(tag);
  GenericCall* call = event->call;
  switch (event->event) {
    case Event::kAccepted:
      call->OnAccepted(ok);
      return;
    case Event::kRead:
      call->OnRead(ok);
      return;
    case Event::kSent:
    case Event::kDone:
      call->Release();
      return;
  }
}

void GenericCall::OnAccepted(bool ok) {
  if (!ok) {
    // The server is shutting down and no call came: gRPC never started
    // this one, so it reports nothing more for it.
    core_.ShutdownSeen();
    delete this;
    return;
  }
  core_.CallOpened();
  // Keep as many calls asked for as before, so an arriving call is matched
  // at once.
  (new GenericCall(core_, queue_))->Arm();
  started_ = std::chrono::steady_clock::now();
  pending_events_ = 2;  // kSent and kDone.
  if (!core_.TryStartWork()) {
    Finish(ShuttingDown());
    return;
  }
  working_ = true;
  method_ = core_.table.Find(context_.method());
  if (method_ == nullptr) {
    Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        absl::StrCat("unknown method ", context_.method())));
    return;
  }
  stream_.Read(&request_bytes_, &read_);
}

void GenericCall::OnRead(bool ok) {
  if (!ok) {
    // No message came: the caller went away (cancelled, or its deadline
    // passed) or half-closed at once. Only the last is the caller's mistake.
    if (context_.IsCancelled() || DeadlinePassed(context_)) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the caller went away before its request"));
    } else {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "request: no request message sent"));
    }
    return;
  }
  if (DeadlinePassed(context_)) {
    Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        "deadline exceeded before the call started"));
    return;
  }
  request_ = method_->request_prototype->New(&arena_);
  response_ = method_->response_prototype->New(&arena_);
  // What protobuf logs while parsing names the field with invalid UTF-8
  // (invalid_utf8_capture.h); nothing earlier on this thread may count.
  ForgetInvalidUtf8Field();
  grpc::Status parsed =
      grpc::GenericDeserialize<grpc::ProtoBufferReader, google::protobuf::Message>(&request_bytes_,
                                                                                   request_);
  if (!parsed.ok()) {
    Finish(RequestParseErrorStatus(context_.method(), TakeInvalidUtf8Field()));
    return;
  }
  if (grpc::Status admitted = StartHooks(); !admitted.ok()) {
    Finish(admitted);
    return;
  }
  Dispatch();
}

grpc::Status GenericCall::StartHooks() {
  for (CallHooks* hooks : core_.hooks) {
    grpc::Status admitted = hooks->OnStart(context_.method(), context_, call_context_);
    if (!admitted.ok()) return admitted;
  }
  return grpc::Status::OK;
}

void GenericCall::Dispatch() {
  const base::ScopedCall current(&call_context_);
  if (method_->async) {
    try {
      method_->async(AsyncCallBase{
          .context = &context_,
          .request = request_,
          .response = response_,
          .finish = [this](const grpc::Status& status) { Finish(status); },
          .offload = [this](std::function<void()> work) { return Offload(std::move(work)); },
      });
    } catch (const std::exception& e) {
      Finish(InternalErrorFrom(e.what(), context_.method()));
    } catch (...) {
      Finish(InternalErrorFrom("unknown exception", context_.method()));
    }
    return;
  }
  // Offload makes the call current on the worker.
  if (!Offload([this] { RunBlocking(); })) {
    Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     absl::StrCat("server busy: ", core_.workers.max_queued(), " calls queued")));
  }
}

bool GenericCall::Offload(std::function<void()> work) {
  // Still queued at the drain deadline: answered so that the caller's retry
  // policy may send it elsewhere; nothing of it has run.
  return core_.workers.TrySubmit(
      [this, work = std::move(work)] {
        const base::ScopedCall current(&call_context_);
        work();
      },
      [this] { Finish(ShuttingDown()); });
}

void GenericCall::RunBlocking() {
  // The call may have waited in the queue: its caller may be gone.
  if (DeadlinePassed(context_)) {
    Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        "deadline exceeded while the call waited for a worker"));
    return;
  }
  if (context_.IsCancelled()) {
    // The caller has gone: nobody receives this status, only the log.
    Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                        "the caller cancelled while the call waited for a worker"));
    return;
  }
  grpc::Status status;
  try {
    status = method_->blocking(&context_, *request_, response_);
  } catch (const std::exception& e) {
    status = InternalErrorFrom(e.what(), context_.method());
  } catch (...) {
    status = InternalErrorFrom("unknown exception", context_.method());
  }
  Finish(status);
}

void GenericCall::Finish(const grpc::Status& status) {
  if (finished_.exchange(true, std::memory_order_acq_rel)) return;  // A body's second Finish.
  grpc::Status sent = status;
  if (sent.ok()) {
    bool own_buffer = false;
    sent = grpc::GenericSerialize<grpc::ProtoBufferWriter, google::protobuf::Message>(
        *response_, &response_bytes_, &own_buffer);
  }
  const double duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
          .count();
  for (CallHooks* hooks : core_.hooks) {
    hooks->OnFinish(context_.method(), context_, call_context_, sent, duration_ms / 1000);
  }
  if (!sent.ok() || CallLogWritesOk())
    LogCall(context_.method(), sent, duration_ms, context_.peer(), call_context_);
  // The last use of this object on this thread: the serving thread may
  // delete it as soon as gRPC reports the send.
  if (sent.ok()) {
    stream_.WriteAndFinish(response_bytes_, grpc::WriteOptions(), sent, &sent_);
  } else {
    stream_.Finish(sent, &sent_);
  }
}

void GenericCall::Release() {
  if (--pending_events_ != 0) return;
  ServingCore& core = core_;
  const bool worked = working_;
  delete this;  // Frees the call in gRPC too: the server's drain counts it.
  if (worked) core.EndWork();
  core.CallClosed();
}

}  // namespace qs::grpc_util
