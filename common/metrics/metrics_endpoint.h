// The Prometheus text endpoint of a service (METRICS_LISTEN_ADDRESS,
// metrics_settings.h): GET /metrics answers with every registered
// collectable, collected at that moment, in the text exposition format.
// The HTTP server is prometheus-cpp's exposer (civetweb), on one thread of
// its own: a scrape never runs on a serving or worker thread.
//
//   auto registry = std::make_shared<prometheus::Registry>();
//   RpcMetrics rpc(*registry, service_names);       // a call hook
//   QS_ASSIGN_OR_RETURN(std::unique_ptr<MetricsEndpoint> endpoint,
//                       MetricsEndpoint::Start("127.0.0.1:9464", {registry, process}));
//   ... serve ...
//   endpoint.reset();   // stops serving; no Collect runs after it returns
#ifndef QS_COMMON_METRICS_METRICS_ENDPOINT_H_
#define QS_COMMON_METRICS_METRICS_ENDPOINT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"

namespace qs::metrics {

class MetricsEndpoint {
 public:
  // Binds `address` ("127.0.0.1:9464", "[::1]:9464") and serves
  // `collectables` at /metrics. UNAVAILABLE naming the address when it
  // cannot bind (in use, not an address of this host).
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& address,
      std::vector<std::shared_ptr<prometheus::Collectable>> collectables);

  // Stops the HTTP server (joins its threads).
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // The port bound.
  int port() const;

 private:
  MetricsEndpoint(std::unique_ptr<prometheus::Exposer> exposer,
                  std::vector<std::shared_ptr<prometheus::Collectable>> collectables);

  // Destroyed first: the exposer holds weak pointers to the collectables.
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace qs::metrics

#endif  // QS_COMMON_METRICS_METRICS_ENDPOINT_H_
