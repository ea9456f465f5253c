// The database router at scrape time (common/db/database.h): its pools and
// how it routes reads. Pools are labelled by name and node, e.g.
// {pool="quest-write",node="primary"}, {pool="quest-read",node="replica"},
// and the primary's pools for fallen-back reads:
//
//   db_pool_connections{pool,node,state="idle|in_use|opening"}
//   db_pool_size{pool,node}                     open + opening
//   db_pool_waiting{pool,node}                  callers blocked in Acquire
//   db_pool_acquire_wait_seconds{pool,node}     histogram, since start
//   db_async_read_open_connections{pool,node}, db_async_read_queued_entries,
//   db_async_read_calls_total, _rejected_total, _deadline_exceeded_total,
//   _stalls_total, _retried_total               the non-blocking read path
//
// Routing (Database::RoutingStatus(), read_router.h):
//
//   db_breaker_state{node,state="closed|half-open|open"}   1 for the current state
//   db_breaker_opened_total{node}, db_breaker_consecutive_failures{node}
//   db_reads_on_primary                         1 while reads go to the primary
//   db_reads_on_primary_reason{reason="replica_down|replica_lagging"}  1 for the cause
//   db_reads_on_primary_since_seconds           Unix time, absent while 0
//   db_replica_lag_seconds                      last sample; absent until known
//   db_reads_total{node}, db_read_fallbacks_total, db_stale_reads_total,
//   db_read_retries_on_primary_total, db_reads_refused_total
#ifndef QS_COMMON_METRICS_DATABASE_COLLECTOR_H_
#define QS_COMMON_METRICS_DATABASE_COLLECTOR_H_

#include <string>
#include <vector>

#include "common/db/database.h"
#include "common/db/read_router.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace qs::metrics {

// One blocking pool's numbers, as collected.
struct PoolSample {
  std::string name;
  db::ReadNode node;
  db::PoolStats stats;
};

// Pure mappings, unit-tested alone.
std::vector<prometheus::MetricFamily> PoolFamilies(
    const std::vector<PoolSample>& pools, const std::vector<db::Database::AsyncPoolView>& async);
std::vector<prometheus::MetricFamily> RoutingFamilies(const db::ReadRoutingStatus& status);
// db_write_transactions_total and db_write_round_trips_total.
std::vector<prometheus::MetricFamily> WriteFamilies(const db::Database::WriteStats& stats);

class DatabaseCollector final : public prometheus::Collectable {
 public:
  // `database` must outlive the collector's last Collect (the endpoint's
  // stop).
  explicit DatabaseCollector(const db::Database& database) : database_(database) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const db::Database& database_;
};

}  // namespace qs::metrics

#endif  // QS_COMMON_METRICS_DATABASE_COLLECTOR_H_
