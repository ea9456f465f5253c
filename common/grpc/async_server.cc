#include "common/grpc/async_server.h"

#include <algorithm>

#include "common/grpc/generic_call.h"

namespace qs::grpc_util {

AsyncServer::AsyncServer(const MethodTable& table, const AsyncServerOptions& options,
                         grpc::ServerBuilder& builder)
    : options_(options),
      workers_(options.worker_threads, options.max_queued_calls),
      core_(table, workers_, service_, options.call_hooks) {
  builder.RegisterAsyncGenericService(&service_);
  for (int i = 0; i < std::max(1, options.serving_threads); ++i) {
    queues_.push_back(builder.AddCompletionQueue());
  }
}

AsyncServer::~AsyncServer() { Stop(); }

void AsyncServer::Start() {
  for (const auto& queue : queues_) {
    for (int i = 0; i < std::max(1, options_.calls_asked_per_queue); ++i) {
      (new GenericCall(core_, queue.get()))->Arm();
    }
    threads_.emplace_back([queue = queue.get()] {
      void* tag = nullptr;
      bool ok = false;
      while (queue->Next(&tag, &ok)) GenericCall::OnEvent(tag, ok);
    });
  }
}

// Sequentially consistent, as ServingCore::TryStartWork's check needs.
void AsyncServer::StartDraining() { core_.draining.store(true); }

void AsyncServer::RefuseQueuedCalls() { workers_.AbandonQueued(); }

bool AsyncServer::WaitUntilShutdownBegan(absl::Time deadline) {
  return core_.WaitUntilShutdownSeen(absl::ToChronoTime(deadline));
}

bool AsyncServer::WaitUntilNoWork(absl::Time deadline) {
  return core_.WaitUntilNoWork(absl::ToChronoTime(deadline));
}

bool AsyncServer::WaitUntilDrained(absl::Time deadline) {
  return core_.WaitUntilDrained(absl::ToChronoTime(deadline));
}

void AsyncServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  // Whatever still queued runs (nothing, after a drain); a worker's last
  // Finish is sent before the queues close.
  workers_.Stop();
  for (const auto& queue : queues_) queue->Shutdown();
  for (std::thread& thread : threads_) thread.join();
  if (threads_.empty()) {
    // Never started: nothing was asked of the queues, but gRPC wants them
    // drained before they are destroyed.
    for (const auto& queue : queues_) {
      void* tag = nullptr;
      bool ok = false;
      while (queue->Next(&tag, &ok)) {
      }
    }
  }
  threads_.clear();
}

}  // namespace qs::grpc_util
