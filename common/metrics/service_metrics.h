// Everything a service exposes at /metrics, put together for
// common/service/service_main.cc: the per-RPC series (a call hook, to be
// registered in ServeOptions::call_hooks), the database pools, the event
// stream and the process, served on METRICS_LISTEN_ADDRESS.
//
//   QS_ASSIGN_OR_RETURN(std::unique_ptr<ServiceMetrics> metrics,
//                       ServiceMetrics::Start(settings, {"quest.v1.PuzzleService"},
//                                             database, event_stream));
//   options.call_hooks.push_back(&metrics->rpc_hooks());
//   ... serve ...
//   metrics.reset();   // after serving: stops the endpoint
#ifndef QS_COMMON_METRICS_SERVICE_METRICS_H_
#define QS_COMMON_METRICS_SERVICE_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/database.h"
#include "common/events/event_stream.h"
#include "common/grpc/call_hooks.h"
#include "common/metrics/metrics_endpoint.h"
#include "common/metrics/metrics_settings.h"
#include "common/metrics/rpc_metrics.h"
#include "prometheus/registry.h"

namespace qs::metrics {

class ServiceMetrics {
 public:
  // Binds settings.listen_address (which must be set) and serves. Not OK
  // when it cannot bind (MetricsEndpoint::Start). `database` and `stream`
  // must outlive the returned object.
  static absl::StatusOr<std::unique_ptr<ServiceMetrics>> Start(
      const MetricsSettings& settings, const std::vector<std::string>& service_names,
      db::Database& database, const events::EventStream& stream);

  grpc_util::CallHooks& rpc_hooks() { return *rpc_; }
  int port() const { return endpoint_->port(); }

 private:
  ServiceMetrics() = default;

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<RpcMetrics> rpc_;
  // Last member: destroyed first, so no scrape runs on the rest.
  std::unique_ptr<MetricsEndpoint> endpoint_;
};

}  // namespace qs::metrics

#endif  // QS_COMMON_METRICS_SERVICE_METRICS_H_
