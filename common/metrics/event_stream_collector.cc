#include "common/metrics/event_stream_collector.h"

#include "common/metrics/metric_families.h"

namespace qs::metrics {

std::vector<prometheus::MetricFamily> EventStreamFamilies(
    const ::ops::v1::EventStreamStatus& status) {
  std::vector<prometheus::MetricFamily> families;
  const auto gauge = [&](const char* name, const char* help, double value) {
    families.push_back(GaugeFamily(name, help));
    AddSample(families.back(), {}, value);
  };
  gauge("events_enabled", "Whether the event stream runs (EVENTS_ENABLED).", status.enabled());
  if (!status.enabled()) return families;
  gauge("events_relay_connected", "Whether the outbox relay's NATS connection is up.",
        status.relay_connected());
  gauge("events_outbox_depth", "Outbox rows not published yet.",
        static_cast<double>(status.outbox_depth()));
  gauge("events_outbox_oldest_unpublished_age_seconds",
        "Age of the oldest unpublished outbox row (0 when none).",
        status.oldest_unpublished_age_seconds());
  families.push_back(
      CounterFamily("events_published_total", "Outbox rows this process published."));
  AddSample(families.back(), {}, static_cast<double>(status.published()));
  gauge("events_dead_letters", "Dead-lettered events not retried yet.",
        static_cast<double>(status.dead_letters()));

  prometheus::MetricFamily pending =
      GaugeFamily("events_consumer_pending",
                  "Messages on a source's stream not yet delivered to the consumer.");
  prometheus::MetricFamily ack_pending =
      GaugeFamily("events_consumer_ack_pending",
                  "Messages delivered to the consumer and not acknowledged yet.");
  prometheus::MetricFamily applied =
      CounterFamily("events_consumer_applied_total", "Events applied since the process started.");
  prometheus::MetricFamily duplicates = CounterFamily("events_consumer_duplicates_total",
                                                      "Events acknowledged as already processed.");
  for (const ::ops::v1::ConsumerStatus& consumer : status.consumers()) {
    const Labels labels = {{"source", consumer.source()}};
    AddSample(pending, labels, static_cast<double>(consumer.pending()));
    AddSample(ack_pending, labels, static_cast<double>(consumer.ack_pending()));
    AddSample(applied, labels, static_cast<double>(consumer.applied()));
    AddSample(duplicates, labels, static_cast<double>(consumer.duplicates()));
  }
  for (prometheus::MetricFamily* family : {&pending, &ack_pending, &applied, &duplicates}) {
    if (!family->metric.empty()) families.push_back(std::move(*family));
  }
  return families;
}

}  // namespace qs::metrics
