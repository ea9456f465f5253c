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
// | GRPC_DRAIN_TIMEOUT_MS    | 10000            | accepted calls' time to      |
// |                          |                  | finish on SIGTERM/SIGINT,    |
// |                          |                  | after the grace; 0..600000   |
// | GRPC_SHUTDOWN_GRACE_MS   | 0                | NOT_SERVING but still        |
// |                          |                  | serving before the drain     |
// |                          |                  | (load balancers stop         |
// |                          |                  | sending); 0..600000          |
// | GRPC_WORKER_THREADS      | DB_MAX_CONNECTIONS | threads running blocking   |
// |                          |                  | handler bodies; 1..1024      |
// | GRPC_MAX_QUEUED_CALLS    | 2048             | calls waiting for a worker;  |
// |                          |                  | past it RESOURCE_EXHAUSTED   |
// |                          |                  | at once; 1..1000000          |
// | GRPC_SERVING_THREADS     | number of cores  | completion queues, one       |
// |                          |                  | thread each; 1..64           |
// | GRPC_MAX_THREADS         | 8                | threads of gRPC's own pool   |
// |                          |                  | (health, reflection); 4..10000 |
// | PAGE_TOKEN_KEY           | (required)       | HMAC key for page tokens,    |
// |                          |                  | at least 16 bytes; secret;   |
// |                          |                  | or PAGE_TOKEN_KEY_FILE       |
// | GRPC_REFLECTION          | on               | on or off: serve             |
// |                          |                  | grpc.reflection (grpcurl     |
// |                          |                  | list/describe). Production:  |
// |                          |                  | off, it publishes the whole  |
// |                          |                  | schema to any caller         |
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
  // Health and reflection answered while NOT_SERVING, before draining.
  absl::Duration shutdown_grace = absl::ZeroDuration();
  // Workers running blocking handler bodies; 0 until RunService sets the
  // default, the write pool's size (a worker holds at most one connection).
  int worker_threads = 0;
  // Calls waiting for a worker; one more is refused with RESOURCE_EXHAUSTED
  // at once instead of queueing without bound under overload.
  int max_queued_calls = 2048;
  // Completion queues of the serving core, one thread each.
  int serving_threads = 1;
  // Caps gRPC's own sync pool, which serves only health and reflection.
  int max_threads = 8;
  std::string page_token_key;  // Secret: never logged.
  // grpc.reflection.v1alpha served (on for local runs and grpcurl; off in
  // production, where a caller needs no schema it was not given).
  bool reflection = true;
  std::string log_level = "info";
  bool migrate_on_start = true;
};

// Reads and checks every server variable; `default_port` is the service's
// well-known port. Errors are one InvalidArgument line naming the variable.
absl::StatusOr<ServerConfig> LoadServerConfig(const EnvLookup& env, int default_port);

absl::string_view TlsModeName(TlsMode mode);

}  // namespace qs::config

#endif  // QS_COMMON_CONFIG_SERVER_CONFIG_H_
