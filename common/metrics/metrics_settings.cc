#include "common/metrics/metrics_settings.h"

#include <arpa/inet.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace qs::metrics {
namespace {

// Why `address` is not "<IPv4>:<port>" or "[<IPv6>]:<port>", or "" when it
// is. The embedded HTTP server (civetweb) binds literal addresses only.
std::string AddressProblem(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return "must be host:port";
  const std::string host = address.substr(0, colon);
  const std::string port_text = address.substr(colon + 1);
  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535 ||
      port_text.find_first_not_of("0123456789") != std::string::npos) {
    return "the port must be a number from 1 to 65535";
  }
  unsigned char bytes[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    const std::string inner = host.substr(1, host.size() - 2);
    if (inet_pton(AF_INET6, inner.c_str(), bytes) == 1) return "";
    return "the host must be an IPv4 address or [IPv6 address]";
  }
  if (inet_pton(AF_INET, host.c_str(), bytes) == 1) return "";
  return "the host must be an IPv4 address or [IPv6 address]";
}

}  // namespace

absl::StatusOr<MetricsSettings> LoadMetricsSettings(const config::EnvLookup& env) {
  MetricsSettings settings;
  settings.listen_address = config::ReadString(env, "METRICS_LISTEN_ADDRESS", "");
  if (settings.enabled()) {
    const std::string problem = AddressProblem(settings.listen_address);
    if (!problem.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("METRICS_LISTEN_ADDRESS: ", problem,
                                                     ", got \"", settings.listen_address, "\""));
    }
  }
  return settings;
}

}  // namespace qs::metrics
