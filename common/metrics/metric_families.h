// Building prometheus::MetricFamily values by hand, for the collectors that
// read their numbers at scrape time (pool, event stream, process) instead of
// keeping counters of their own:
//
//   prometheus::MetricFamily idle = GaugeFamily("db_pool_idle", "Idle connections.");
//   AddSample(idle, {{"pool", "write"}}, stats.idle);
#ifndef QS_COMMON_METRICS_METRIC_FAMILIES_H_
#define QS_COMMON_METRICS_METRIC_FAMILIES_H_

#include <string>
#include <utility>
#include <vector>

#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"

namespace qs::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

prometheus::MetricFamily GaugeFamily(std::string name, std::string help);
prometheus::MetricFamily CounterFamily(std::string name, std::string help);
prometheus::MetricFamily HistogramFamily(std::string name, std::string help);

// A sample of a gauge or counter family.
void AddSample(prometheus::MetricFamily& family, const Labels& labels, double value);

// A histogram sample from per-bucket (not cumulative) counts:
// `bucket_counts[i]` observations at most `upper_bounds[i]`, and one more
// entry for those above the last bound.
void AddHistogram(prometheus::MetricFamily& family, const Labels& labels,
                  const std::vector<double>& upper_bounds,
                  const std::vector<uint64_t>& bucket_counts, double sum);

}  // namespace qs::metrics

#endif  // QS_COMMON_METRICS_METRIC_FAMILIES_H_
