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
// | DB_PASSWORD               | empty       | never logged; or DB_PASSWORD_FILE|
// |                           |             | (env.h ReadSecret)               |
// | DB_MIGRATION_USER         | DB_USER     | role that applies migrations     |
// |                           |             | (the owner role; DB_USER is the  |
// |                           |             | runtime role, DML only)          |
// | DB_MIGRATION_PASSWORD     | DB_PASSWORD | its password (when               |
// |                           | when no     | DB_MIGRATION_USER is not set), or|
// |                           | migration   | DB_MIGRATION_PASSWORD_FILE;      |
// |                           | user is set | never logged                     |
// | DB_SSL_MODE, DB_SSL_ROOT_CERT | libpq's | TLS to the database: db_tls.h    |
// | DB_MAX_CONNECTIONS        | 20          | per pool, 1..1000                |
// | DB_MIN_CONNECTIONS        | 5           | kept open per pool, 0..max       |
// | DB_IDLE_TIMEOUT_MS        | 30000       | idle connections above min close |
// | DB_CONNECT_TIMEOUT_MS     | 20000       | longest wait for a connection    |
// | DB_ASYNC_READ_CONNECTIONS | 4           | async read path, 1..max          |
// | DB_READ_FALLBACK          | primary     | replica unreachable: reads go to |
// |                           |             | the write node (primary) or fail |
// |                           |             | UNAVAILABLE (fail)               |
// | DB_READ_MAX_LAG_MS        | 10000       | replica replay lag above this:   |
// |                           |             | reads go to the write node;      |
// |                           |             | 0..3600000                       |
// | DB_READ_LSN_WAIT_MS       | 50          | longest wait for the replica to  |
// |                           |             | replay a call's x-min-lsn before |
// |                           |             | reading on the write node;       |
// |                           |             | 0..10000                         |
#ifndef QS_COMMON_CONFIG_DB_CONFIG_H_
#define QS_COMMON_CONFIG_DB_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/db_tls.h"
#include "common/config/env.h"

namespace qs::config {

// What reads do while the read node is unreachable.
enum class ReadFallback { kPrimary, kFail };

struct DbConfig {
  std::string host;
  int port = 5432;
  std::string read_host;
  int read_port = 5432;
  std::string name;
  std::string user;
  std::string password;
  // The role that applies migrations (owns the schema); empty: `user`.
  std::string migration_user;
  std::string migration_password;
  // TLS of every connection (ConnectionString adds it).
  DbTls tls;
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
  ReadFallback read_fallback = ReadFallback::kPrimary;
  // Replay lag of the read node above which reads go to the write node.
  absl::Duration read_max_lag = absl::Seconds(10);
  // How long a read with x-min-lsn waits for the read node to replay it.
  absl::Duration read_lsn_wait = absl::Milliseconds(50);

  // A libpq connection string for `host`:`port` with every value quoted.
  // Contains the password: hand it to libpq only, never to a log.
  std::string ConnectionString(const std::string& host, int port,
                               const std::string& application_name) const;

  // ConnectionString of the write node as the migration role (`user` when
  // no migration_user is set).
  std::string MigrationConnectionString(const std::string& application_name) const;

  // "user@host:port/name (read user@host:port)", plus the migration role
  // and sslmode when set; safe to log.
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
