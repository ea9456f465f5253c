// What every call of the serving core shares: the method table, the worker
// pool and whether the server is draining. Built by AsyncServer
// (async_server.h); read by GenericCall (generic_call.h) from any thread.
#ifndef QS_COMMON_GRPC_SERVING_CORE_H_
#define QS_COMMON_GRPC_SERVING_CORE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "common/grpc/call_hooks.h"
#include "common/grpc/method_table.h"
#include "common/grpc/worker_pool.h"
#include "grpcpp/generic/async_generic_service.h"

namespace qs::grpc_util {

class ServingCore {
 public:
  ServingCore(const MethodTable& table, WorkerPool& workers, grpc::AsyncGenericService& service,
              std::vector<CallHooks*> hooks)
      : table(table), workers(workers), service(service), hooks(std::move(hooks)) {}

  const MethodTable& table;
  WorkerPool& workers;
  grpc::AsyncGenericService& service;
  // Run around every call (call_hooks.h); not owned.
  const std::vector<CallHooks*> hooks;
  // Set once the drain's grace is over: a call handed to the core from then
  // on is answered UNAVAILABLE before any work.
  std::atomic<bool> draining{false};

  // A call that is about to do its work counts itself here first; false
  // (and nothing counted) once draining. Counting before the check, both
  // sequentially consistent, means a drain waiting for no work misses no call.
  bool TryStartWork() {
    working_calls_.fetch_add(1);
    if (!draining.load()) return true;
    EndWork();
    return false;
  }
  void EndWork() {
    if (working_calls_.fetch_sub(1) == 1) Notify();
  }
  // Whether, by `deadline`, no call that started its work is still open.
  bool WaitUntilNoWork(std::chrono::system_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_until(lock, deadline, [this] { return working_calls_.load() == 0; });
  }

  // A call was accepted (it stays open until gRPC is done with it).
  void CallOpened() { open_calls_.fetch_add(1, std::memory_order_relaxed); }
  void CallClosed() {
    if (open_calls_.fetch_sub(1, std::memory_order_acq_rel) == 1) Notify();
  }
  // gRPC refused one of the calls asked for: the server is shutting down,
  // so no call is accepted any more.
  void ShutdownSeen() {
    if (!shutdown_seen_.exchange(true, std::memory_order_acq_rel)) Notify();
  }
  // Whether, by `deadline`, the server was shutting down.
  bool WaitUntilShutdownSeen(std::chrono::system_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_until(lock, deadline,
                               [this] { return shutdown_seen_.load(std::memory_order_acquire); });
  }
  // Whether, by `deadline`, the server was shutting down and every call it
  // had accepted was closed.
  bool WaitUntilDrained(std::chrono::system_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_until(lock, deadline, [this] {
      return shutdown_seen_.load(std::memory_order_acquire) &&
             open_calls_.load(std::memory_order_acquire) == 0;
    });
  }

 private:
  void Notify() {
    // Taken so that a waiter between its check and its wait is woken.
    { std::lock_guard<std::mutex> lock(mutex_); }
    changed_.notify_all();
  }

  std::atomic<int> open_calls_{0};
  std::atomic<int> working_calls_{0};
  std::atomic<bool> shutdown_seen_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_SERVING_CORE_H_
