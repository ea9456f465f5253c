#include "common/grpc/server.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/time/clock.h"
#include "common/grpc/async_server.h"
#include "common/grpc/listening_sockets.h"
#include "common/grpc/reflection_off.h"
#include "common/grpc/reflection_service_list.h"
#include "common/grpc/server_credentials.h"
#include "grpc/grpc.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "spdlog/spdlog.h"

namespace qs::grpc_util {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// Keeps the health status in step with the readiness probe until stopped.
class HealthReporter {
 public:
  HealthReporter(grpc::HealthCheckServiceInterface* health, const ServeOptions& options)
      : health_(health), options_(options) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~HealthReporter() { Stop(); }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void Loop() {
    bool serving = false;
    bool first = true;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopped_) {
      lock.unlock();
      absl::Status ready = options_.readiness_probe ? options_.readiness_probe() : absl::OkStatus();
      lock.lock();
      if (stopped_) break;  // Shutdown has already set NOT_SERVING.
      if (ready.ok() != serving || first) {
        serving = ready.ok();
        first = false;
        Publish(serving);
        if (serving) {
          spdlog::info("health: SERVING");
        } else {
          spdlog::warn("health: NOT_SERVING ({})", ready.ToString());
        }
      }
      wake_.wait_for(lock, absl::ToChronoNanoseconds(options_.probe_interval),
                     [this] { return stopped_; });
    }
  }

  void Publish(bool serving) {
    health_->SetServingStatus(serving);
    for (const HostedService& hosted : options_.services) {
      health_->SetServingStatus(hosted.full_name, serving);
    }
  }

  grpc::HealthCheckServiceInterface* health_;
  const ServeOptions& options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

namespace {

// gRPC cancels whatever is still open this long after the drain deadline: a
// last resort for a handler that on_drain_deadline did not unblock.
constexpr absl::Duration kLastResortAfterDeadline = absl::Seconds(2);

// How long answers already handed to the kernel may take to leave it.
constexpr absl::Duration kAnswersLeave = absl::Seconds(1);

// Ends the process when the drain itself hangs: a handler that never returns
// keeps its call, and with it Shutdown and the workers' join, waiting for
// ever. A drain that cannot finish must not keep a pod "terminating".
class DrainWatchdog {
 public:
  explicit DrainWatchdog(absl::Time give_up_at)
      : thread_([this, give_up_at] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (finished_.wait_until(lock, absl::ToChronoTime(give_up_at),
                                   [this] { return done_; })) {
            return;
          }
          spdlog::critical("drain still not finished past its deadline: exiting");
          spdlog::shutdown();  // Writes out what is queued.
          _exit(1);
        }) {}
  ~DrainWatchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    finished_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable finished_;
  bool done_ = false;
  std::thread thread_;
};

// How long the closing of client connections may take before Shutdown (its
// transport operations run asynchronously).
constexpr absl::Duration kConnectionsClose = absl::Milliseconds(50);

}  // namespace

int ServeUntilTerminated(const config::ServerConfig& config, const ServeOptions& options) {
  grpc::EnableDefaultHealthCheckService(true);
  if (config.reflection) grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(config.tls);
  if (!credentials.ok()) {
    spdlog::critical("TLS setup failed: {}", std::string(credentials.status().message()));
    return 1;
  }

  MethodTable table;
  for (const HostedService& hosted : options.services) hosted.add_methods(table);

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(config.listen_address, *credentials, &bound_port);
  AsyncServer core(table,
                   {.serving_threads = config.serving_threads,
                    .worker_threads = config.worker_threads,
                    .max_queued_calls = config.max_queued_calls,
                    .call_hooks = options.call_hooks},
                   builder);
  if (config.reflection) {
    builder.SetOption(ListInReflection(table.service_names()));
  } else {
    builder.SetOption(WithoutReflection());
  }
  // Health and reflection run on gRPC's own small sync pool.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 2);
  // Its pollers notice a shutdown only when their wait times out (1 s by
  // default): that wait would add to every drain.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 100);
  grpc::ResourceQuota quota(options.service_name + "-server");
  quota.SetMaxThreads(config.max_threads);
  builder.SetResourceQuota(quota);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    spdlog::critical("cannot listen on {} (address in use or not local?)", config.listen_address);
    return 1;
  }
  // gRPC's default health service answers SERVING for "" from the moment
  // the server starts: say otherwise before anything else runs, so that a
  // check arriving now does not see a service its probe has not passed.
  // (The default service cannot start out NOT_SERVING; the window left is
  // the few instructions between BuildAndStart and this call.)
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(false);
  core.Start();
  spdlog::info(
      "{} listening on {} ({}; {} methods, {} serving threads, {} workers, {} queued at most; "
      "reflection {})",
      options.service_name, config.listen_address,
      std::string(config::TlsModeName(config.tls.mode)), table.size(), config.serving_threads,
      config.worker_threads, config.max_queued_calls, config.reflection ? "on" : "off");

  auto reporter = std::make_unique<HealthReporter>(health, options);

  sigset_t signals = TerminationSignals();
  int received = 0;
  sigwait(&signals, &received);
  // NOT_SERVING for every service from now on (the reporter's later
  // updates are ignored).
  health->Shutdown();
  // Load balancers see NOT_SERVING and stop sending; calls still sent
  // meanwhile are served as usual.
  absl::SleepFor(config.shutdown_grace);
  const absl::Time deadline = absl::Now() + config.drain_timeout;
  DrainWatchdog watchdog(deadline + 2 * kLastResortAfterDeadline + kAnswersLeave);
  // The drain, in an order that never lets gRPC cancel a call (CANCELLED
  // reads as a lost write to the caller; listening_sockets.h says why
  // grpc::Server::Shutdown cannot come first):
  // 1. New connections are refused: a client reconnecting gets UNAVAILABLE.
  const int listeners = StopListeningOn(bound_port);
  // 2. A call arriving on an open connection is answered UNAVAILABLE before
  //    any work, so the caller's retry policy sends it elsewhere.
  core.StartDraining();
  spdlog::info(
      "received {}: NOT_SERVING; served {} more, now draining for up to {} ({} listener(s) closed)",
      strsignal(received), absl::FormatDuration(config.shutdown_grace),
      absl::FormatDuration(config.drain_timeout), listeners);
  reporter->Stop();
  // 3. Every call accepted before runs to its end.
  if (!core.WaitUntilNoWork(deadline)) {
    spdlog::warn("drain deadline passed with calls still running");
    if (options.on_drain_deadline) options.on_drain_deadline();
    core.RefuseQueuedCalls();
    core.WaitUntilNoWork(deadline + kLastResortAfterDeadline);
  }
  // 4. The client connections are closed: a call a client sent that we have
  //    not answered fails there as UNAVAILABLE (connection lost); none of
  //    them ran. Every answer of a call that did run has been handed to
  //    the kernel; it must leave it before the close, or a reset could
  //    discard it.
  WaitUntilSentOn(bound_port, kAnswersLeave);
  grpc_server_cancel_all_calls(server->c_server());
  absl::SleepFor(kConnectionsClose);
  // 5. Nothing is left for Shutdown to cancel.
  server->Shutdown(absl::ToChronoTime(absl::Now() + kLastResortAfterDeadline));
  server->Wait();
  core.Stop();
  spdlog::info("{} stopped", options.service_name);
  return 0;
}

}  // namespace qs::grpc_util
