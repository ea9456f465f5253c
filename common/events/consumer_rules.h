// The consumers' decisions that need no I/O (consumer.h): what a received
// message is, and what to do when applying it failed. Unit-tested alone.
//
//   absl::StatusOr<EventEnvelope> envelope = DecodeEnvelope(data, "social");
//   if (!envelope.ok()) park(envelope.status().message());
//   ...
//   switch (OnApplyFailure(status.code(), handler_failed, deliveries, max_deliver)) ...
#ifndef QS_COMMON_EVENTS_CONSUMER_RULES_H_
#define QS_COMMON_EVENTS_CONSUMER_RULES_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "proto/events/v1/events.pb.h"

namespace qs::events {

// The envelope in a message's data, read from the stream of `source`:
// INVALID_ARGUMENT (the message can never be applied) when it does not
// parse, has no UUID id, no type, or names another source.
absl::StatusOr<::events::v1::EventEnvelope> DecodeEnvelope(absl::string_view data,
                                                           absl::string_view source);

enum class FailureAction {
  // Nak with a delay: JetStream delivers it again.
  kRedeliver,
  // Write it to dead_letter_events, then Term.
  kPark,
};

// After applying a message failed with `code` on its `deliveries`-th
// delivery. `handler_failed` says the handler itself failed (returned an
// error or threw), as opposed to the database failing around it: only the
// handler's failures count towards `max_deliver`, so a database outage
// parks nothing (the messages wait and are applied once it is back).
FailureAction OnApplyFailure(absl::StatusCode code, bool handler_failed, int64_t deliveries,
                             int max_deliver);

// How long JetStream waits before delivering a nakked message again after
// its `deliveries`-th delivery: 1 s, 5 s, then 30 s, never more than
// `ack_wait` (the longest an unacked message waits anyway; tests set it short).
absl::Duration RedeliveryDelay(int64_t deliveries, absl::Duration ack_wait);

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_CONSUMER_RULES_H_
