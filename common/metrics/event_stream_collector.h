// The event stream at scrape time (events::EventStream::Status(), what
// ops.v1.Diagnostics shows as event_stream):
//
//   events_enabled, events_relay_connected          0 or 1
//   events_outbox_depth                             unpublished outbox rows
//   events_outbox_oldest_unpublished_age_seconds
//   events_published_total                          since the process started
//   events_dead_letters                             parked, not retried yet
//   events_consumer_pending{source}, events_consumer_ack_pending{source}
//   events_consumer_applied_total{source}, events_consumer_duplicates_total{source}
#ifndef QS_COMMON_METRICS_EVENT_STREAM_COLLECTOR_H_
#define QS_COMMON_METRICS_EVENT_STREAM_COLLECTOR_H_

#include <vector>

#include "common/events/event_stream.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "proto/ops/v1/diagnostics.pb.h"

namespace qs::metrics {

// The families for one status (a pure mapping, unit-tested alone).
std::vector<prometheus::MetricFamily> EventStreamFamilies(
    const ::ops::v1::EventStreamStatus& status);

class EventStreamCollector final : public prometheus::Collectable {
 public:
  // `stream` must outlive the collector's last Collect.
  explicit EventStreamCollector(const events::EventStream& stream) : stream_(stream) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    return EventStreamFamilies(stream_.Status());
  }

 private:
  const events::EventStream& stream_;
};

}  // namespace qs::metrics

#endif  // QS_COMMON_METRICS_EVENT_STREAM_COLLECTOR_H_
