#include "common/metrics/service_metrics.h"

#include <utility>

#include "common/metrics/database_collector.h"
#include "common/metrics/event_stream_collector.h"
#include "common/metrics/process_collector.h"
#include "spdlog/spdlog.h"

namespace qs::metrics {

absl::StatusOr<std::unique_ptr<ServiceMetrics>> ServiceMetrics::Start(
    const MetricsSettings& settings, const std::vector<std::string>& service_names,
    db::Database& database, const events::EventStream& stream) {
  std::unique_ptr<ServiceMetrics> metrics(new ServiceMetrics());
  metrics->registry_ = std::make_shared<prometheus::Registry>();
  metrics->rpc_ = std::make_unique<RpcMetrics>(*metrics->registry_, service_names);
  absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint = MetricsEndpoint::Start(
      settings.listen_address,
      {metrics->registry_, std::make_shared<DatabaseCollector>(database),
       std::make_shared<EventStreamCollector>(stream), std::make_shared<ProcessCollector>()});
  if (!endpoint.ok()) return endpoint.status();
  metrics->endpoint_ = *std::move(endpoint);
  spdlog::info("metrics: serving /metrics on {}", settings.listen_address);
  return metrics;
}

}  // namespace qs::metrics
