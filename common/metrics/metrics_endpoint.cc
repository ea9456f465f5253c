#include "common/metrics/metrics_endpoint.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"

namespace qs::metrics {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address,
    std::vector<std::shared_ptr<prometheus::Collectable>> collectables) {
  std::unique_ptr<prometheus::Exposer> exposer;
  try {
    // One thread: a scrape every few seconds needs no more.
    exposer = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", address, "num_threads", "1"});
  } catch (const std::exception& error) {
    // civetweb's own text ("null context when constructing CivetServer.
    // Possible problem binding to port.") says little more than this.
    return absl::UnavailableError(
        absl::StrCat("METRICS_LISTEN_ADDRESS: cannot listen on ", address,
                     " (address in use, or not an address of this host): ", error.what()));
  }
  for (const std::shared_ptr<prometheus::Collectable>& collectable : collectables) {
    exposer->RegisterCollectable(collectable);
  }
  return std::unique_ptr<MetricsEndpoint>(
      new MetricsEndpoint(std::move(exposer), std::move(collectables)));
}

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<prometheus::Exposer> exposer,
                                 std::vector<std::shared_ptr<prometheus::Collectable>> collectables)
    : collectables_(std::move(collectables)), exposer_(std::move(exposer)) {}

MetricsEndpoint::~MetricsEndpoint() {
  // The server first: a scrape in progress finishes while what it collects
  // still exists.
  exposer_.reset();
}

int MetricsEndpoint::port() const {
  const std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace qs::metrics
