// Database settings of one service, read from the environment.
//
//   absl::StatusOr<DbConfig> db = LoadDbConfig(ProcessEnv());
//   if (!db.ok()) { /* one line naming the variable */ }
//   std::string conninfo = db->ConnectionString(db->host);
//
// | variable                  | default     | meaning                          |
// |---------------------------|-------------|----------------------------------|
// | DB_HOST                   | 127.0.0.1   | write node (primary)             |
// | DB_READ_HOST              | DB_HOST     | read node (streaming replica)    |
// | DB_PORT                   | 5432        | port of the write node           |
// | DB_READ_PORT              | DB_PORT     | port of the read node            |
// | DB_NAME                   | (required)  | the service's own database       |
// | DB_USER                   | (required)  | the service's own role           |
// | DB_PASSWORD               | empty       | never logged                     |
// | DB_MAX_CONNECTIONS        | 20          | per pool, 1..1000                |
// | DB_MIN_CONNECTIONS        | 5           | kept open per pool, 0..max       |
// | DB_IDLE_TIMEOUT_MS        | 30000       | idle connections above min close |
// | DB_CONNECT_TIMEOUT_MS     | 20000       | longest wait for a connection    |
// | DB_ASYNC_READ_CONNECTIONS | 4           | async read path, 1..max          |
#ifndef QS_COMMON_CONFIG_DB_CONFIG_H_
#define QS_COMMON_CONFIG_DB_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"

namespace qs::config {

struct DbConfig {
  std::string host;
  int port = 5432;
  std::string read_host;
  int read_port = 5432;
  std::string name;
  std::string user;
  std::string password;
  int max_connections = 20;
  int min_connections = 5;
  absl::Duration idle_timeout = absl::Milliseconds(30000);
  absl::Duration connect_timeout = absl::Milliseconds(20000);
  // Connections of the async read path (async_read_pool.h) to the read node,
  // besides the read pool's. Measured with tests/common/db/async_read_pool_bench
  // on 2 cores (the replica on the same cores): 2 and 4 serve 20-100 calls
  // in flight within noise of each other, 1 about half as much, 8 less than
  // 4 (more server processes competing for the same cores). The default 4
  // keeps headroom for a database host with more cores.
  int async_read_connections = 4;

  // A libpq connection string for `host`:`port` with every value quoted.
  // Contains the password: hand it to libpq only, never to a log.
  std::string ConnectionString(const std::string& host, int port,
                               const std::string& application_name) const;

  // "user@host:port/name (read user@host:port)", safe to log.
  std::string Describe() const;
};

// Reads and checks every DB_* variable. Errors are InvalidArgument with one
// line that starts with the variable's name.
absl::StatusOr<DbConfig> LoadDbConfig(const EnvLookup& env);

// True when `host` is a syntactically valid DNS name, IPv4 or IPv6 address
// (optionally in brackets), or an absolute Unix-socket directory.
bool IsValidHost(absl::string_view host);

}  // namespace qs::config

#endif  // QS_COMMON_CONFIG_DB_CONFIG_H_
