#include "common/metrics/database_collector.h"

#include <utility>

#include "absl/time/clock.h"
#include "common/db/node_breaker.h"
#include "common/metrics/metric_families.h"

namespace qs::metrics {
namespace {

const char* NodeName(db::ReadNode node) {
  return node == db::ReadNode::kPrimary ? "primary" : "replica";
}

// Adds to `families` one family per name, in first-use order.
class Families {
 public:
  prometheus::MetricFamily& Gauge(const char* name, const char* help) {
    return Find(name, help, prometheus::MetricType::Gauge);
  }
  prometheus::MetricFamily& Counter(const char* name, const char* help) {
    return Find(name, help, prometheus::MetricType::Counter);
  }
  prometheus::MetricFamily& Histogram(const char* name, const char* help) {
    return Find(name, help, prometheus::MetricType::Histogram);
  }
  std::vector<prometheus::MetricFamily> Take() { return std::move(families_); }

 private:
  prometheus::MetricFamily& Find(const char* name, const char* help, prometheus::MetricType type) {
    for (prometheus::MetricFamily& family : families_) {
      if (family.name == name) return family;
    }
    families_.push_back(type == prometheus::MetricType::Gauge     ? GaugeFamily(name, help)
                        : type == prometheus::MetricType::Counter ? CounterFamily(name, help)
                                                                  : HistogramFamily(name, help));
    return families_.back();
  }

  std::vector<prometheus::MetricFamily> families_;
};

}  // namespace

std::vector<prometheus::MetricFamily> PoolFamilies(
    const std::vector<PoolSample>& pools, const std::vector<db::Database::AsyncPoolView>& async) {
  Families families;
  const std::vector<double> bounds(db::AcquireWaitHistogram::kBounds.begin(),
                                   db::AcquireWaitHistogram::kBounds.end());
  for (const PoolSample& pool : pools) {
    const Labels labels = {{"pool", pool.name}, {"node", NodeName(pool.node)}};
    prometheus::MetricFamily& connections =
        families.Gauge("db_pool_connections", "Connections of a blocking database pool, by state.");
    for (const auto& [state, count] : {std::pair<const char*, int>{"idle", pool.stats.idle},
                                       {"in_use", pool.stats.in_use},
                                       {"opening", pool.stats.opening}}) {
      Labels with_state = labels;
      with_state.emplace_back("state", state);
      AddSample(connections, with_state, count);
    }
    AddSample(families.Gauge("db_pool_size", "Connections a blocking pool holds (open + opening)."),
              labels, pool.stats.total());
    AddSample(families.Gauge("db_pool_waiting", "Callers blocked waiting for a pool connection."),
              labels, pool.stats.waiting);
    const db::AcquireWaitHistogram& wait = pool.stats.acquire_wait;
    AddHistogram(families.Histogram("db_pool_acquire_wait_seconds",
                                    "Time Acquire waited for a pool connection."),
                 labels, bounds, {wait.counts.begin(), wait.counts.end()}, wait.sum_seconds);
  }
  for (const db::Database::AsyncPoolView& pool : async) {
    const Labels labels = {{"pool", pool.name}, {"node", NodeName(pool.node)}};
    const db::AsyncReadStats& stats = pool.stats;
    AddSample(families.Gauge("db_async_read_open_connections",
                             "Connections of the non-blocking read path open now."),
              labels, stats.open_connections);
    AddSample(families.Gauge("db_async_read_queued_entries",
                             "Statements and lookups waiting to be sent on the non-blocking path."),
              labels, static_cast<double>(stats.queued_entries));
    AddSample(families.Counter("db_async_read_calls_total",
                               "Reads accepted by the non-blocking read path."),
              labels, static_cast<double>(stats.calls));
    AddSample(families.Counter("db_async_read_rejected_total",
                               "Reads of the non-blocking path refused RESOURCE_EXHAUSTED."),
              labels, static_cast<double>(stats.rejected));
    AddSample(families.Counter("db_async_read_deadline_exceeded_total",
                               "Reads of the non-blocking path whose deadline passed."),
              labels, static_cast<double>(stats.deadline_exceeded));
    AddSample(families.Counter("db_async_read_stalls_total",
                               "Times a connection of the non-blocking path was found stalled."),
              labels, static_cast<double>(stats.stalls));
    AddSample(families.Counter("db_async_read_retried_total",
                               "Statements of the non-blocking path sent again after a lost "
                               "connection."),
              labels, static_cast<double>(stats.retried));
  }
  return families.Take();
}

std::vector<prometheus::MetricFamily> RoutingFamilies(const db::ReadRoutingStatus& status) {
  Families families;
  for (const auto& [node, routing] :
       {std::pair<const char*, const db::NodeRoutingStatus*>{"primary", &status.primary},
        {"replica", &status.replica}}) {
    prometheus::MetricFamily& state = families.Gauge(
        "db_breaker_state", "Circuit breaker of a database node: 1 for its current state.");
    for (db::BreakerState each :
         {db::BreakerState::kClosed, db::BreakerState::kHalfOpen, db::BreakerState::kOpen}) {
      AddSample(state, {{"node", node}, {"state", std::string(db::BreakerStateName(each))}},
                routing->breaker.state == each ? 1 : 0);
    }
    AddSample(families.Counter("db_breaker_opened_total", "Times a node's breaker opened."),
              {{"node", node}}, static_cast<double>(routing->breaker.times_opened));
    AddSample(families.Gauge("db_breaker_consecutive_failures",
                             "Connection failures in a row on a node."),
              {{"node", node}}, routing->breaker.consecutive_failures);
  }
  AddSample(families.Gauge("db_reads_on_primary", "1 while reads go to the primary."), {},
            status.reads_on_primary ? 1 : 0);
  prometheus::MetricFamily& reason = families.Gauge(
      "db_reads_on_primary_reason", "Why reads go to the primary: 1 for the current cause.");
  AddSample(reason, {{"reason", "replica_down"}},
            status.reason == db::PrimaryReadsReason::kReplicaDown ? 1 : 0);
  AddSample(reason, {{"reason", "replica_lagging"}},
            status.reason == db::PrimaryReadsReason::kReplicaLagging ? 1 : 0);
  if (status.reads_on_primary && status.reads_on_primary_since != absl::InfinitePast()) {
    AddSample(families.Gauge("db_reads_on_primary_since_seconds",
                             "Since when reads go to the primary (Unix time)."),
              {}, absl::ToDoubleSeconds(status.reads_on_primary_since - absl::UnixEpoch()));
  }
  if (status.lag_known) {
    AddSample(families.Gauge("db_replica_lag_seconds", "The replica's last sampled replay lag."),
              {}, absl::ToDoubleSeconds(status.replica_lag));
  }
  prometheus::MetricFamily& reads = families.Counter("db_reads_total", "Reads sent to each node.");
  AddSample(reads, {{"node", "replica"}}, static_cast<double>(status.reads_on_replica));
  AddSample(reads, {{"node", "primary"}}, static_cast<double>(status.reads_on_primary_total));
  AddSample(families.Counter("db_read_fallbacks_total",
                             "Reads on the primary because the replica was unreachable."),
            {}, static_cast<double>(status.fallbacks));
  AddSample(families.Counter("db_stale_reads_total",
                             "Reads on the primary because the replica lagged too far."),
            {}, static_cast<double>(status.stale_reads));
  AddSample(families.Counter("db_read_retries_on_primary_total",
                             "Reads retried on the primary after a replica connection failure."),
            {}, static_cast<double>(status.retries_on_primary));
  AddSample(families.Counter("db_reads_refused_total",
                             "Reads answered UNAVAILABLE without trying a node."),
            {}, static_cast<double>(status.refused));
  return families.Take();
}

std::vector<prometheus::MetricFamily> WriteFamilies(const db::Database::WriteStats& stats) {
  Families families;
  for (const auto& [origin, counts] :
       {std::pair<const char*, const db::Database::WriteCounts*>{"call", &stats.in_calls},
        {"background", &stats.outside_calls}}) {
    AddSample(families.Counter("db_write_transactions_total",
                               "Write transactions run on the write node, by origin: during a "
                               "call, or a background job's."),
              {{"origin", origin}}, static_cast<double>(counts->transactions));
    AddSample(families.Counter("db_write_round_trips_total",
                               "Round trips of write transactions to the write node (BEGIN, "
                               "statements, COMMIT or ROLLBACK; several may share one), by "
                               "origin."),
              {{"origin", origin}}, static_cast<double>(counts->round_trips));
  }
  return families.Take();
}

std::vector<prometheus::MetricFamily> DatabaseCollector::Collect() const {
  std::vector<PoolSample> pools;
  for (const db::Database::PoolView& view : database_.BlockingPools()) {
    pools.push_back({view.name, view.node, view.pool->Stats()});
  }
  std::vector<prometheus::MetricFamily> families = PoolFamilies(pools, database_.AsyncPoolStats());
  for (prometheus::MetricFamily& family : RoutingFamilies(database_.RoutingStatus())) {
    families.push_back(std::move(family));
  }
  for (prometheus::MetricFamily& family : WriteFamilies(database_.write_stats())) {
    families.push_back(std::move(family));
  }
  return families;
}

}  // namespace qs::metrics
