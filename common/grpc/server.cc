#include "common/grpc/server.h"

#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "common/grpc/call_log_interceptor.h"
#include "common/grpc/request_parse_error_interceptor.h"
#include "common/grpc/server_credentials.h"
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

int ServeUntilTerminated(const config::ServerConfig& config, const ServeOptions& options) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(config.tls);
  if (!credentials.ok()) {
    spdlog::critical("TLS setup failed: {}", std::string(credentials.status().message()));
    return 1;
  }

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(config.listen_address, *credentials, &bound_port);
  for (const HostedService& hosted : options.services) {
    builder.RegisterService(hosted.service);
  }
  // The parse-error rewrite first, so that the call log records its status.
  auto interceptors = MakeRequestParseErrorInterceptors();
  for (auto& call_log : MakeCallLogInterceptors()) interceptors.push_back(std::move(call_log));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  grpc::ResourceQuota quota(options.service_name + "-server");
  quota.SetMaxThreads(config.max_threads);
  builder.SetResourceQuota(quota);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || bound_port == 0) {
    spdlog::critical("cannot listen on {} (address in use or not local?)", config.listen_address);
    return 1;
  }
  spdlog::info("{} listening on {} ({})", options.service_name, config.listen_address,
               std::string(config::TlsModeName(config.tls.mode)));

  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(false);
  auto reporter = std::make_unique<HealthReporter>(health, options);

  sigset_t signals = TerminationSignals();
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received {}, draining for up to {}", strsignal(received),
               absl::FormatDuration(config.drain_timeout));

  reporter->Stop();
  health->Shutdown();  // NOT_SERVING for every service from now on.
  const auto deadline =
      std::chrono::system_clock::now() + absl::ToChronoNanoseconds(config.drain_timeout);
  std::mutex drained_mutex;
  std::condition_variable drained_changed;
  bool drained = false;
  std::thread deadline_watch([&] {
    std::unique_lock<std::mutex> lock(drained_mutex);
    if (drained_changed.wait_until(lock, deadline, [&] { return drained; })) {
      return;
    }
    spdlog::warn("drain deadline passed with calls still running");
    if (options.on_drain_deadline) options.on_drain_deadline();
  });
  server->Shutdown(deadline);  // Returns when every handler has returned.
  server->Wait();
  {
    std::lock_guard<std::mutex> lock(drained_mutex);
    drained = true;
  }
  drained_changed.notify_all();
  deadline_watch.join();
  spdlog::info("{} stopped", options.service_name);
  return 0;
}

}  // namespace qs::grpc_util
