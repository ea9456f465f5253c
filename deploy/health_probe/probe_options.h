// The command line of grpc-health-probe, checked before anything connects.
//
//   absl::StatusOr<ProbeOptions> options = ParseProbeOptions(argc, argv);
//   if (!options.ok()) return Fail(kBadFlags, options.status().message());
//   if (options->help) return PrintUsage();
//
//   grpc-health-probe --addr=HOST:PORT [--service=NAME] [--timeout-ms=N]
//       [--tls [--tls-ca-cert=FILE] [--tls-client-cert=FILE --tls-client-key=FILE]
//              [--tls-server-name=NAME]]
//
// Mirrors gRPC's Go probe (github.com/grpc-ecosystem/grpc-health-probe),
// which cannot be built here, with this project's `--name=value` flags
// (common/cli/flags.h).
#ifndef QS_DEPLOY_HEALTH_PROBE_PROBE_OPTIONS_H_
#define QS_DEPLOY_HEALTH_PROBE_PROBE_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace qs::probe {

struct TlsOptions {
  bool enabled = false;
  // PEM contents, read at parse time so an unreadable file is a flag error.
  std::string ca_certs;     // Empty: gRPC's default roots.
  std::string client_cert;  // With client_key: mutual TLS.
  std::string client_key;
  std::string server_name;  // Empty: the host of --addr.
};

struct ProbeOptions {
  // --help (or -h) was given: print ProbeUsage() and exit 0; nothing else
  // was parsed, so no other field is meaningful.
  bool help = false;
  std::string address;  // HOST:PORT, e.g. 127.0.0.1:50051 or [::1]:50051.
  std::string service;  // "" asks about the whole server.
  // One budget for connecting and the Check call together: an orchestrator
  // gives a probe one timeout, not two.
  absl::Duration timeout = absl::Seconds(1);
  TlsOptions tls;
};

// INVALID_ARGUMENT with one line naming the flag: a missing or malformed
// --addr, an unknown flag, a --timeout-ms outside 1..600000, a --tls-* flag
// without --tls, a client certificate without its key (or the reverse), or a
// file that cannot be read. `--help` is not an error: OK with `help` set.
absl::StatusOr<ProbeOptions> ParseProbeOptions(int argc, const char* const* argv);

// The usage text (several lines, for --help).
const char* ProbeUsage();

}  // namespace qs::probe

#endif  // QS_DEPLOY_HEALTH_PROBE_PROBE_OPTIONS_H_
