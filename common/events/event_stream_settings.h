// Settings of a service's event stream (outbox relay, consumers, pruning),
// read from the environment by common/service for every service.
//
// | variable                        | default               | meaning
// |---------------------------------|-----------------------|---------------------------------
// | NATS_URL                        | nats://127.0.0.1:4222 | the JetStream server(s),
// |                                 |                       | comma-separated
// | EVENTS_ENABLED                  | true                  | relay + consumers + pruning
// | EVENTS_NAMESPACE                | (empty)               | prefix of streams, subjects and
// |                                 |                       | durable names, so several
// |                                 |                       | deployments (or test runs) share
// |                                 |                       | one NATS; [a-z0-9_]{0,32}
// | EVENTS_STREAM_REPLICAS          | 1                     | copies of each stream in a
// |                                 |                       | JetStream cluster, 1..5 (3 in
// |                                 |                       | the deploy/ cluster profiles);
// |                                 |                       | above 1 needs a cluster
// | EVENTS_RELAY_BATCH_SIZE         | 256                   | outbox rows claimed per round,
// |                                 |                       | 1..10000
// | EVENTS_RELAY_POLL_MS            | 1000                  | safety-net poll when no NOTIFY
// |                                 |                       | arrives
// | EVENTS_RELAY_RETRY_MAX_MS       | 30000                 | longest pause between relay
// |                                 |                       | retries
// | EVENTS_PUBLISH_TIMEOUT_MS       | 5000                  | wait for JetStream's publish
// |                                 |                       | acks
// | EVENTS_DUPLICATE_WINDOW_MS      | 120000                | the stream's duplicate window;
// |                                 |                       | must exceed RETRY_MAX +
// |                                 |                       | PUBLISH_TIMEOUT (checked at
// |                                 |                       | start-up)
// | EVENTS_OUTBOX_RETENTION_HOURS   | 168                   | published outbox rows are kept
// |                                 |                       | this long (replay source)
// | EVENTS_PROCESSED_RETENTION_DAYS | 30                    | processed_events records kept;
// |                                 |                       | must exceed the outbox retention
// | EVENTS_MAX_DELIVER              | 5                     | deliveries of one event before
// |                                 |                       | it is parked as a dead letter
// | EVENTS_ACK_WAIT_MS              | 30000                 | JetStream redelivers an unacked
// |                                 |                       | message after this
// | EVENTS_CONSUMER_BATCH           | 100                   | messages fetched per pull
//
// Naming (EventStreamNames): the stream of source service `quest` is
// "QUEST" with subjects "quest.>", an event's subject is
// "quest.<payload message name>" (quest.PuzzleSolved); the durable consumer
// of service `notification` on it is "notification". With a namespace `t1`:
// "T1_QUEST", "t1.quest.>", "t1.quest.PuzzleSolved", "t1_notification".
#ifndef QS_COMMON_EVENTS_EVENT_STREAM_SETTINGS_H_
#define QS_COMMON_EVENTS_EVENT_STREAM_SETTINGS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config/env.h"

namespace qs::events {

struct EventStreamSettings {
  std::string nats_url = "nats://127.0.0.1:4222";
  bool enabled = true;
  std::string name_space;
  // Replicas of each stream (jsStreamConfig.Replicas).
  int stream_replicas = 1;
  int relay_batch_size = 256;
  absl::Duration relay_poll_interval = absl::Seconds(1);
  absl::Duration relay_retry_max = absl::Seconds(30);
  absl::Duration publish_timeout = absl::Seconds(5);
  absl::Duration duplicate_window = absl::Minutes(2);
  absl::Duration outbox_retention = absl::Hours(168);
  absl::Duration processed_retention = absl::Hours(24 * 30);
  int max_deliver = 5;
  absl::Duration ack_wait = absl::Seconds(30);
  int consumer_batch = 100;
};

// Reads and checks every variable above; an error names the variable.
absl::StatusOr<EventStreamSettings> LoadEventStreamSettings(const config::EnvLookup& env);

// The names derived from a namespace (see the table above).
class EventStreamNames {
 public:
  explicit EventStreamNames(std::string name_space) : name_space_(std::move(name_space)) {}

  // "QUEST" / "T1_QUEST".
  std::string Stream(absl::string_view source_service) const;
  // "quest.>" / "t1.quest.>".
  std::string StreamSubjects(absl::string_view source_service) const;
  // "quest.PuzzleSolved" for type "quest.v1.PuzzleSolved" (the last
  // component of the payload's full name).
  std::string Subject(absl::string_view source_service, absl::string_view event_type) const;
  // "notification" / "t1_notification".
  std::string Durable(absl::string_view consuming_service) const;

 private:
  std::string name_space_;
};

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_EVENT_STREAM_SETTINGS_H_
