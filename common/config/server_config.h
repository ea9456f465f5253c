// gRPC server settings of one service, read from the environment.
//
//   absl::StatusOr<ServerConfig> server = LoadServerConfig(ProcessEnv(), 50051);
//
// | variable                 | default          | meaning                      |
// |--------------------------|------------------|------------------------------|
// | GRPC_LISTEN_ADDRESS      | 127.0.0.1:<port> | host:port to serve on        |
// | GRPC_TLS_MODE            | tls              | plaintext, tls or mtls       |
// | GRPC_TLS_CERT_FILE       | (tls, mtls)      | server certificate chain PEM |
// | GRPC_TLS_KEY_FILE        | (tls, mtls)      | server private key PEM       |
// | GRPC_TLS_CLIENT_CA_FILE  | (mtls)           | CA that signs client certs   |
// | GRPC_DRAIN_TIMEOUT_MS    | 10000            | in-flight calls' grace on    |
// |                          |                  | SIGTERM/SIGINT               |
// | PAGE_TOKEN_KEY           | (required)       | HMAC key for page tokens,    |
// |                          |                  | at least 16 bytes; secret    |
// | LOG_LEVEL                | info             | trace, debug, info, warn,    |
// |                          |                  | error                        |
// | MIGRATE_ON_START         | true             | apply pending migrations     |
// |                          |                  | before serving (true/false)  |
//
// Plaintext is never a default: a local run chooses it explicitly.
#ifndef QS_COMMON_CONFIG_SERVER_CONFIG_H_
#define QS_COMMON_CONFIG_SERVER_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"

namespace qs::config {

enum class TlsMode { kPlaintext, kTls, kMutualTls };

struct TlsConfig {
  TlsMode mode = TlsMode::kTls;
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;  // Only for kMutualTls.
};

struct ServerConfig {
  std::string listen_address;
  TlsConfig tls;
  absl::Duration drain_timeout = absl::Seconds(10);
  // Threads the gRPC server may run calls on; past it, calls are refused with
  // RESOURCE_EXHAUSTED instead of piling up threads (and memory) under overload.
  int max_threads = 64;
  std::string page_token_key;  // Secret: never logged.
  std::string log_level = "info";
  bool migrate_on_start = true;
};

// Reads and checks every server variable; `default_port` is the service's
// well-known port. Errors are one InvalidArgument line naming the variable.
absl::StatusOr<ServerConfig> LoadServerConfig(const EnvLookup& env, int default_port);

absl::string_view TlsModeName(TlsMode mode);

}  // namespace qs::config

#endif  // QS_COMMON_CONFIG_SERVER_CONFIG_H_
