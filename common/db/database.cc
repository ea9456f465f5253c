#include "common/db/database.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/call_context.h"
#include "common/db/async_read_pool_answers.h"
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

// The write node's share of the read budget (database.h): A async
// connections, the rest blocking.
int FallbackAsyncConnections(const config::DbConfig& config) {
  return std::max(1, std::min(config.async_read_connections, config.max_connections / 2));
}

AsyncReadPoolOptions AsyncFallbackFor(const config::DbConfig& config, const std::string& service,
                                      const std::vector<PreparedStatement>& prepared) {
  AsyncReadPoolOptions options = AsyncReadsFor(config, service, prepared);
  options.name = service + "-read-async-fallback";
  options.conninfo = config.ConnectionString(config.host, config.port, options.name);
  options.connections = FallbackAsyncConnections(config);
  // No extra in place of a stalled one: the budget is fixed.
  options.max_connections = options.connections;
  return options;
}

std::string NodeName(const std::string& pool, const std::string& host, int port) {
  return absl::StrCat(pool, " (", host, ":", port, ")");
}

ReadRouterOptions RouterFor(const config::DbConfig& config, const std::string& service) {
  ReadRouterOptions options;
  options.replica = NodeName(service + "-read", config.read_host, config.read_port);
  options.primary = NodeName(service + "-write", config.host, config.port);
  options.fallback = config.read_fallback;
  options.failure_threshold = Database::kBreakerFailures;
  options.cool_down = Database::kBreakerCoolDown;
  // A probe may wait a whole connect timeout; one that never reports is
  // given up a little after.
  options.probe_timeout = config.connect_timeout + absl::Seconds(5);
  return options;
}

}  // namespace

// Routes the async read path (async_read_pool.h AsyncReadRouter) like
// Database::ReadRouted, without blocking: the freshness check does not
// wait, and a read that failed on the replica for want of a connection is
// sent once more to the write node's pool from the replica pool's answer.
class Database::AsyncRouting final : public AsyncReadRouter {
 public:
  explicit AsyncRouting(Database& database) : database_(database) {}

  void Query(const std::string& name, std::vector<std::optional<std::string>> params,
             absl::Time deadline, AsyncQueryDone done) override {
    ReadRouter::Route route = Choose();
    if (!route.refusal.ok()) {
      Answer(std::move(done), absl::StatusOr<pqxx::result>(route.refusal));
      return;
    }
    if (route.node == ReadNode::kPrimary) {
      OnPrimary(std::move(route), name, std::move(params), deadline, std::move(done));
      return;
    }
    // Kept for a retry on the write node (a few short strings).
    std::vector<std::optional<std::string>> retry_params = params;
    database_.async_reads_->QueryOnThisNode(
        name, std::move(params), deadline,
        [this, route = std::move(route), name, retry_params = std::move(retry_params), deadline,
         done = std::move(done)](absl::StatusOr<pqxx::result> rows) mutable {
          std::optional<ReadRouter::Route> retry = AfterReplica(route, rows.status());
          if (!retry) {
            done(std::move(rows));
          } else if (!retry->refusal.ok()) {
            Answer(std::move(done), absl::StatusOr<pqxx::result>(retry->refusal));
          } else {
            OnPrimary(*std::move(retry), name, std::move(retry_params), deadline, std::move(done));
          }
        });
  }

  void Lookup(const CoalescedLookup& lookup, std::string key, absl::Time deadline,
              AsyncLookupDone done) override {
    ReadRouter::Route route = Choose();
    if (!route.refusal.ok()) {
      Answer(std::move(done), absl::StatusOr<std::optional<pqxx::row>>(route.refusal));
      return;
    }
    if (route.node == ReadNode::kPrimary) {
      LookupOnPrimary(std::move(route), lookup, std::move(key), deadline, std::move(done));
      return;
    }
    std::string retry_key = key;
    database_.async_reads_->LookupOnThisNode(
        lookup, std::move(key), deadline,
        [this, route = std::move(route), lookup, retry_key = std::move(retry_key), deadline,
         done = std::move(done)](absl::StatusOr<std::optional<pqxx::row>> row) mutable {
          std::optional<ReadRouter::Route> retry = AfterReplica(route, row.status());
          if (!retry) {
            done(std::move(row));
          } else if (!retry->refusal.ok()) {
            Answer(std::move(done), absl::StatusOr<std::optional<pqxx::row>>(retry->refusal));
          } else {
            LookupOnPrimary(*std::move(retry), lookup, std::move(retry_key), deadline,
                            std::move(done));
          }
        });
  }

 private:
  // Answers a refusal like the pools answer theirs (async_read_pool.h): a
  // call made from inside a `done` is answered after that `done` returns,
  // so a caller retrying from its `done` never nests one call deeper.
  template <typename Done, typename Value>
  static void Answer(Done done, Value value) {
    async_read_internal::InlineAnswers::Run(std::move(done), std::move(value));
  }

  ReadRouter::Route Choose() {
    ReadRouter::Route route = database_.router_.Choose(
        [this] { return database_.freshness_->ReplicaMayServe(ReadFreshness::Wait::kNoWait); });
    // A probe must reach the node: not the pool's last connect failure.
    if (route.ticket.probe()) {
      if (route.node == ReadNode::kReplica) {
        database_.async_reads_->RetryConnectingNow();
      } else if (AsyncReadPool* primary = database_.PrimaryAsync()) {
        primary->RetryConnectingNow();
      }
    }
    return route;
  }

  // Records the replica's answer; a route to the write node when it was a
  // connection failure to be retried there, nullopt when it is the answer.
  std::optional<ReadRouter::Route> AfterReplica(const ReadRouter::Route& route,
                                                const absl::Status& status) {
    // Stopping: the pools answer UNAVAILABLE because they stop, not
    // because the node is down.
    if (database_.stopping_.load()) return std::nullopt;
    database_.Record(route, OutcomeOf(status));
    if (!absl::IsUnavailable(status)) return std::nullopt;
    ReadRouter::Route retry = database_.router_.RetryOnPrimary(status);
    // As in Choose: a probe must reach the write node, not be answered with
    // its pool's stored connect failure while it backs off.
    if (retry.refusal.ok() && retry.ticket.probe()) {
      if (AsyncReadPool* primary = database_.PrimaryAsync()) primary->RetryConnectingNow();
    }
    return retry;
  }

  void OnPrimary(ReadRouter::Route route, const std::string& name,
                 std::vector<std::optional<std::string>> params, absl::Time deadline,
                 AsyncQueryDone done) {
    AsyncReadPool* primary = database_.PrimaryAsync();
    if (primary == nullptr) {
      Answer(std::move(done), absl::StatusOr<pqxx::result>(absl::UnavailableError(
                                  database_.primary_async_options_.name + " is stopping")));
      return;
    }
    primary->QueryOnThisNode(name, std::move(params), deadline,
                             [this, route = std::move(route),
                              done = std::move(done)](absl::StatusOr<pqxx::result> rows) {
                               if (!database_.stopping_.load()) {
                                 database_.Record(route, OutcomeOf(rows.status()));
                               }
                               done(std::move(rows));
                             });
  }

  void LookupOnPrimary(ReadRouter::Route route, const CoalescedLookup& lookup, std::string key,
                       absl::Time deadline, AsyncLookupDone done) {
    AsyncReadPool* primary = database_.PrimaryAsync();
    if (primary == nullptr) {
      Answer(std::move(done), absl::StatusOr<std::optional<pqxx::row>>(absl::UnavailableError(
                                  database_.primary_async_options_.name + " is stopping")));
      return;
    }
    primary->LookupOnThisNode(lookup, std::move(key), deadline,
                              [this, route = std::move(route), done = std::move(done)](
                                  absl::StatusOr<std::optional<pqxx::row>> row) {
                                if (!database_.stopping_.load()) {
                                  database_.Record(route, OutcomeOf(row.status()));
                                }
                                done(std::move(row));
                              });
  }

  Database& database_;
};

Database::Database(const config::DbConfig& config, const std::string& service,
                   std::vector<PreparedStatement> prepared)
    : freshness_(std::make_unique<ReadFreshness>(config, service)),
      router_(RouterFor(config, service)) {
  auto statements = std::make_shared<const StatementRegistry>(prepared);
  write_pool_ = std::make_unique<ConnectionPool>(PoolFor(
      config, config.host, config.port, service + "-write", /*read_only=*/false, statements));
  read_pool_ =
      std::make_unique<ConnectionPool>(PoolFor(config, config.read_host, config.read_port,
                                               service + "-read", /*read_only=*/true, statements));
  PoolOptions fallback = PoolFor(config, config.host, config.port, service + "-read-fallback",
                                 /*read_only=*/true, statements);
  // Holds nothing until reads fall back; the read budget on the write node
  // is shared with the async fallback pool (database.h).
  fallback.min_connections = 0;
  fallback.max_connections = std::max(1, config.max_connections - FallbackAsyncConnections(config));
  fallback_read_pool_ = std::make_unique<ConnectionPool>(std::move(fallback));
  primary_async_options_ = AsyncFallbackFor(config, service, prepared);
  async_routing_ = std::make_unique<AsyncRouting>(*this);
  async_reads_ = std::make_unique<AsyncReadPool>(AsyncReadsFor(config, service, prepared));
  async_reads_->SetRouter(async_routing_.get());
}

Database::~Database() { StopAsyncReads(); }

AsyncReadPool* Database::PrimaryAsync() {
  if (AsyncReadPool* ready = primary_async_ready_.load(std::memory_order_acquire)) return ready;
  std::lock_guard<std::mutex> lock(primary_async_mutex_);
  if (stopping_.load()) return nullptr;
  if (!primary_async_) {
    primary_async_ = std::make_unique<AsyncReadPool>(primary_async_options_);
    primary_async_ready_.store(primary_async_.get(), std::memory_order_release);
  }
  return primary_async_.get();
}

void Database::Record(const ReadRouter::Route& route, NodeBreaker::Outcome outcome) {
  router_.Record(route, outcome);
  if (!route.ticket.probe() || outcome != NodeBreaker::Outcome::kNodeAnswered) return;
  if (route.node == ReadNode::kReplica) {
    async_reads_->RetryConnectingNow();
  } else if (AsyncReadPool* primary = primary_async_ready_.load(std::memory_order_acquire)) {
    primary->RetryConnectingNow();
  }
}

void Database::StopAsyncReads() {
  stopping_.store(true);
  async_reads_->Stop();
  AsyncReadPool* primary = nullptr;
  {
    std::lock_guard<std::mutex> lock(primary_async_mutex_);
    primary = primary_async_.get();
  }
  if (primary != nullptr) primary->Stop();
}

void Database::CancelRunningQueries() {
  (void)write_pool_->CancelRunningQueries();
  (void)read_pool_->CancelRunningQueries();
  (void)fallback_read_pool_->CancelRunningQueries();
}

absl::Status Database::Ping() {
  return ReadFromPrimary([](ReadTx& tx) -> absl::Status {
    tx.Query("SELECT 1");
    return absl::OkStatus();
  });
}

ReadRoutingStatus Database::RoutingStatus() const {
  ReadRoutingStatus status = router_.Status();
  const FreshnessStats freshness = freshness_->Stats();
  status.lag_known = freshness.position.known;
  status.replica_lag = freshness.position.lag;
  if (status.reason == PrimaryReadsReason::kNone && freshness.held_on_primary) {
    status.reads_on_primary = true;
    status.reason = PrimaryReadsReason::kReplicaLagging;
    status.reads_on_primary_since = freshness.held_since;
    const std::string lag =
        freshness.position.known && freshness.position.lag != absl::InfiniteDuration()
            ? absl::FormatDuration(absl::Trunc(freshness.position.lag, absl::Milliseconds(100)))
            : std::string("unknown");
    status.detail = absl::StrCat("reads on primary: replica lag ", lag, " over the ",
                                 absl::FormatDuration(freshness.max_lag), " bound since ",
                                 Rfc3339(freshness.held_since));
  }
  return status;
}

std::vector<Database::PoolView> Database::BlockingPools() const {
  return {{write_pool_->name(), ReadNode::kPrimary, write_pool_.get()},
          {read_pool_->name(), ReadNode::kReplica, read_pool_.get()},
          {fallback_read_pool_->name(), ReadNode::kPrimary, fallback_read_pool_.get()}};
}

std::vector<Database::AsyncPoolView> Database::AsyncPoolStats() const {
  std::vector<AsyncPoolView> pools = {
      {async_reads_->name(), ReadNode::kReplica, async_reads_->Stats()}};
  std::lock_guard<std::mutex> lock(primary_async_mutex_);
  if (primary_async_) {
    pools.push_back({primary_async_->name(), ReadNode::kPrimary, primary_async_->Stats()});
  }
  return pools;
}

void Database::CountWrite(int round_trips) {
  const int origin = base::CurrentCall() != nullptr ? 0 : 1;
  write_transactions_[origin].fetch_add(1, std::memory_order_relaxed);
  write_round_trips_[origin].fetch_add(round_trips, std::memory_order_relaxed);
}

Database::WriteStats Database::write_stats() const {
  auto counts = [this](int origin) {
    return WriteCounts{write_transactions_[origin].load(std::memory_order_relaxed),
                       write_round_trips_[origin].load(std::memory_order_relaxed)};
  };
  return {counts(0), counts(1)};
}

}  // namespace qs::db
