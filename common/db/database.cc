#include "common/db/database.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "common/db/statement_registry.h"
#include "pqxx/nontransaction"

namespace qs::db {
namespace {

PoolOptions PoolFor(const config::DbConfig& config, const std::string& host, int port,
                    const std::string& pool_name, bool read_only,
                    std::shared_ptr<const StatementRegistry> statements) {
  PoolOptions options;
  options.conninfo = config.ConnectionString(host, port, pool_name);
  options.name = pool_name;
  options.min_connections = config.min_connections;
  options.max_connections = config.max_connections;
  options.idle_timeout = config.idle_timeout;
  options.acquire_timeout = config.connect_timeout;
  options.on_connect = [statements = std::move(statements),
                        read_only](pqxx::connection& connection) {
    // Read connections refuse writes at the session level, since their
    // statements run without an enclosing READ ONLY transaction (ReadTx).
    if (read_only) pqxx::nontransaction(connection).exec("SET default_transaction_read_only = on");
    // Only the kPrepared statements (libpqxx prepares each on its first
    // use): a store runs a kPerCall one's text with Query, so each call is
    // planned for its values (prepared_statement.h).
    for (const PreparedStatement* statement : statements->to_prepare()) {
      connection.prepare(statement->name, statement->sql);
    }
  };
  return options;
}

AsyncReadPoolOptions AsyncReadsFor(const config::DbConfig& config, const std::string& service,
                                   const std::vector<PreparedStatement>& prepared) {
  AsyncReadPoolOptions options;
  options.name = service + "-read-async";
  options.conninfo = config.ConnectionString(config.read_host, config.read_port, options.name);
  options.prepared = prepared;
  // LoadDbConfig keeps it within DB_MAX_CONNECTIONS; a config built in code
  // that lowers max_connections alone keeps that bound too.
  options.connections =
      std::max(1, std::min(config.async_read_connections, config.max_connections));
  // One more in place of each stalled connection (async_read_pool.h).
  options.max_connections = 2 * options.connections;
  options.connect_timeout = config.connect_timeout;
  return options;
}

}  // namespace

Database::Database(const config::DbConfig& config, const std::string& service,
                   std::vector<PreparedStatement> prepared) {
  auto statements = std::make_shared<const StatementRegistry>(prepared);
  write_pool_ = std::make_unique<ConnectionPool>(PoolFor(
      config, config.host, config.port, service + "-write", /*read_only=*/false, statements));
  read_pool_ =
      std::make_unique<ConnectionPool>(PoolFor(config, config.read_host, config.read_port,
                                               service + "-read", /*read_only=*/true, statements));
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
