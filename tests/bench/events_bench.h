// The event-stream benchmark's phases (tests/bench/events.sh drives them
// through events_bench_main.cc): the real OutboxRelay and EventConsumers of
// common/events in this process, against the benchmark's PostgreSQL (source
// quest_db, consumer notification_db) and a real nats-server.
//
// - Latency: events written at a steady rate (one transaction each, as a
//   service's write would), from the source's commit returning to the
//   consumer's transaction committing (processed_events' commit timestamp:
//   the bench turns track_commit_timestamp on), p50/p90/p99/max.
// - Relay: a backlog written while no relay runs, then 1 or N relays (each
//   with its own NATS and LISTEN connections, as N service instances have)
//   publish it; events/s until the outbox is empty.
// - Drain: relay and consumers running, NATS stopped, a backlog written,
//   NATS started: how long until the outbox is published and until the
//   consumer has applied everything.
#ifndef QS_TESTS_BENCH_EVENTS_BENCH_H_
#define QS_TESTS_BENCH_EVENTS_BENCH_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/db_config.h"
#include "common/events/event_stream_settings.h"

namespace qs::bench {

struct EventsBenchSetup {
  config::DbConfig source;               // quest_db: its outbox is relayed
  config::DbConfig consumer;             // notification_db: consumes quest's stream
  events::EventStreamSettings settings;  // nats_url, namespace (one per phase)
};

// Each returns one JSON object (a results.jsonl line) or the error.
absl::StatusOr<std::string> MeasureLatency(const EventsBenchSetup& setup, int rate,
                                           absl::Duration duration);
absl::StatusOr<std::string> MeasureRelayThroughput(const EventsBenchSetup& setup, int events,
                                                   int relays);
absl::StatusOr<std::string> MeasureDrain(const EventsBenchSetup& setup, int events,
                                         const std::string& stop_nats,
                                         const std::string& start_nats);

}  // namespace qs::bench

#endif  // QS_TESTS_BENCH_EVENTS_BENCH_H_
