#include "deploy/health_probe/probe_options.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "common/cli/flags.h"

namespace qs::probe {
namespace {

constexpr absl::string_view kFlags[] = {
    "addr",           "service",         "timeout-ms", "tls-ca-cert", "tls-client-cert",
    "tls-client-key", "tls-server-name",
};
constexpr absl::string_view kSwitches[] = {"tls"};
constexpr absl::string_view kTlsOnlyFlags[] = {"tls-ca-cert", "tls-client-cert", "tls-client-key",
                                               "tls-server-name"};

// HOST:PORT with a port in 1..65535; the host is gRPC's to resolve.
absl::Status CheckAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) || port < 1 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--addr: expected HOST:PORT with a port in 1..65535 (e.g. 127.0.0.1:50051), got \"",
        address, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPem(const cli::Flags& flags, absl::string_view flag) {
  const std::string path = flags.String(flag);
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, " is empty"));
  std::ifstream in(path);
  if (!in.is_open()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": cannot read file \"", path, "\""));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  // Empty, or a directory (opens, reads nothing): no PEM either way.
  if (contents.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": file \"", path, "\" holds no PEM data"));
  }
  return contents.str();
}

absl::StatusOr<TlsOptions> ReadTls(const cli::Flags& flags) {
  TlsOptions tls;
  QS_ASSIGN_OR_RETURN(tls.enabled, flags.Bool("tls", false));
  if (!tls.enabled) {
    // The Go probe's rule too: a certificate given without --tls is a
    // mistake, never silently a plaintext probe.
    for (absl::string_view flag : kTlsOnlyFlags) {
      if (flags.Has(flag)) {
        return absl::InvalidArgumentError(absl::StrCat("--", flag, " needs --tls"));
      }
    }
    return tls;
  }
  if (flags.Has("tls-client-cert") != flags.Has("tls-client-key")) {
    return absl::InvalidArgumentError(
        "--tls-client-cert and --tls-client-key must be given together");
  }
  if (flags.Has("tls-ca-cert")) {
    QS_ASSIGN_OR_RETURN(tls.ca_certs, ReadPem(flags, "tls-ca-cert"));
  }
  if (flags.Has("tls-client-cert")) {
    QS_ASSIGN_OR_RETURN(tls.client_cert, ReadPem(flags, "tls-client-cert"));
    QS_ASSIGN_OR_RETURN(tls.client_key, ReadPem(flags, "tls-client-key"));
  }
  tls.server_name = flags.String("tls-server-name");
  return tls;
}

}  // namespace

const char* ProbeUsage() {
  return "usage: grpc-health-probe --addr=HOST:PORT [--service=NAME] [--timeout-ms=N]\n"
         "         [--tls [--tls-ca-cert=FILE] [--tls-client-cert=FILE --tls-client-key=FILE]\n"
         "                [--tls-server-name=NAME]]\n"
         "Calls grpc.health.v1.Health/Check. Exit: 0 SERVING, 1 bad flags, 2 connection\n"
         "failed or timed out, 3 the call failed, 4 not SERVING.\n";
}

absl::StatusOr<ProbeOptions> ParseProbeOptions(int argc, const char* const* argv) {
  QS_ASSIGN_OR_RETURN(cli::Flags flags, cli::Flags::Parse(argc, argv, kFlags, kSwitches));
  ProbeOptions options;
  if (flags.help()) {
    options.help = true;
    return options;
  }
  if (!flags.positional().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", flags.positional().front(), "\""));
  }
  QS_ASSIGN_OR_RETURN(options.address, flags.RequiredString("addr"));
  QS_RETURN_IF_ERROR(CheckAddress(options.address));
  options.service = flags.String("service");
  QS_ASSIGN_OR_RETURN(int64_t timeout_ms, flags.Int64("timeout-ms", 1000, 1, 600'000));
  options.timeout = absl::Milliseconds(timeout_ms);
  QS_ASSIGN_OR_RETURN(options.tls, ReadTls(flags));
  return options;
}

}  // namespace qs::probe
