#include "common/db/database.h"

#include <algorithm>

#include "pqxx/nontransaction"

namespace qs::db {
namespace {

PoolOptions PoolFor(const config::DbConfig& config, const std::string& host, int port,
                    const std::string& pool_name, bool read_only,
                    const std::vector<PreparedStatement>& prepared) {
  PoolOptions options;
  options.conninfo = config.ConnectionString(host, port, pool_name);
  options.name = pool_name;
  options.min_connections = config.min_connections;
  options.max_connections = config.max_connections;
  options.idle_timeout = config.idle_timeout;
  options.acquire_timeout = config.connect_timeout;
  options.on_connect = [prepared, read_only](pqxx::connection& connection) {
    // Read connections refuse writes at the session level, since their
    // statements run without an enclosing READ ONLY transaction (ReadTx).
    if (read_only) pqxx::nontransaction(connection).exec("SET default_transaction_read_only = on");
    for (const PreparedStatement& statement : prepared) {
      connection.prepare(statement.name, statement.sql);
    }
  };
  return options;
}

// Measured with tests/common/db/async_read_pool_bench on 2 cores (the
// replica on the same cores): 2 and 4 connections serve 20-100 calls in
// flight within noise of each other, 1 about half as much, 8 less than 4
// (more server processes competing for the same cores). 4 keeps headroom
// for a database host with more cores.
constexpr int kAsyncReadConnections = 4;

AsyncReadPoolOptions AsyncReadsFor(const config::DbConfig& config, const std::string& service,
                                   const std::vector<PreparedStatement>& prepared) {
  AsyncReadPoolOptions options;
  options.name = service + "-read-async";
  options.conninfo = config.ConnectionString(config.read_host, config.read_port, options.name);
  options.prepared = prepared;
  options.connections = std::min(kAsyncReadConnections, config.max_connections);
  options.connect_timeout = config.connect_timeout;
  return options;
}

}  // namespace

Database::Database(const config::DbConfig& config, const std::string& service,
                   std::vector<PreparedStatement> prepared) {
  write_pool_ = std::make_unique<ConnectionPool>(
      PoolFor(config, config.host, config.port, service + "-write", /*read_only=*/false, prepared));
  read_pool_ = std::make_unique<ConnectionPool>(PoolFor(
      config, config.read_host, config.read_port, service + "-read", /*read_only=*/true, prepared));
  async_reads_ = std::make_unique<AsyncReadPool>(AsyncReadsFor(config, service, prepared));
}

void Database::CancelRunningQueries() {
  (void)write_pool_->CancelRunningQueries();
  (void)read_pool_->CancelRunningQueries();
}

absl::Status Database::Ping() {
  auto ping = [](ReadTx& tx) -> absl::Status {
    tx.Query("SELECT 1");
    return absl::OkStatus();
  };
  if (absl::Status s = ReadFromPrimary(ping); !s.ok()) return s;
  return Read(ping);
}

}  // namespace qs::db
