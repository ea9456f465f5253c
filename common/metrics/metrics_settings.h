// The metrics endpoint's settings, read once at start-up:
//
// | variable               | default | meaning                                        |
// |------------------------|---------|------------------------------------------------|
// | METRICS_LISTEN_ADDRESS | (empty) | host:port serving Prometheus text at /metrics; |
// |                        |         | empty = no endpoint. host is an IPv4 address   |
// |                        |         | (0.0.0.0 = every interface) or [IPv6].         |
//
// A bad value stops start-up (exit 2) with one line naming the variable.
#ifndef QS_COMMON_METRICS_METRICS_SETTINGS_H_
#define QS_COMMON_METRICS_METRICS_SETTINGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/config/env.h"

namespace qs::metrics {

struct MetricsSettings {
  // Empty: the endpoint is off.
  std::string listen_address;
  bool enabled() const { return !listen_address.empty(); }
};

absl::StatusOr<MetricsSettings> LoadMetricsSettings(const config::EnvLookup& env);

}  // namespace qs::metrics

#endif  // QS_COMMON_METRICS_METRICS_SETTINGS_H_
