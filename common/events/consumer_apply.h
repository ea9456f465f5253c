// The one-transaction path of the consumers (consumer.h): an event's
// processed_events record and its handler's effect commit together, or
// neither does. Used for messages from the stream and for dead letters whose
// retry was requested, so both apply an event at most once.
//
//   ApplyAttempt attempt = ApplyEvent(database, handlers, "social", envelope);
//   if (attempt.result.ok()) ack(); else if (attempt.handler_failed) ...
#ifndef QS_COMMON_EVENTS_CONSUMER_APPLY_H_
#define QS_COMMON_EVENTS_CONSUMER_APPLY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/database.h"
#include "common/events/event_handlers.h"
#include "proto/events/v1/events.pb.h"

namespace qs::events {

enum class ApplyOutcome {
  // The handler's effect committed with the record.
  kApplied,
  // The event was recorded before: nothing done.
  kDuplicate,
  // No handler for its type: nothing done, nothing recorded.
  kNoHandler,
};

struct ApplyAttempt {
  absl::StatusOr<ApplyOutcome> result;
  // True when the handler failed (returned an error, or its SQL threw),
  // false when the database failed around it (see OnApplyFailure).
  bool handler_failed = false;
};

// Records each envelope that has a handler in processed_events and, when
// new, runs its handler, in ONE write transaction without savepoints (see
// consumer_apply.cc: a subtransaction per event would overflow PostgreSQL's
// subtransaction cache). When a handler fails, the transaction is rolled
// back and what preceded that event runs again without it and commits; the
// rest follows in a new transaction. So an event that fails is undone alone
// and the others are applied once. The same transaction closes any open dead
// letter of an event it applies (dead_letter_store.h). When the database
// fails, every event not failed by its own handler and not yet committed
// fails with it.
std::vector<ApplyAttempt> ApplyEvents(db::Database& database, const EventHandlers& handlers,
                                      const std::string& source,
                                      const std::vector<::events::v1::EventEnvelope>& envelopes);

// ApplyEvents of one envelope.
ApplyAttempt ApplyEvent(db::Database& database, const EventHandlers& handlers,
                        const std::string& source, const ::events::v1::EventEnvelope& envelope);

enum class RetryOutcome {
  // Applied (or found applied before) and marked retried, in one transaction.
  kApplied,
  // Failed again: last_retry_error recorded, the request cleared.
  kFailed,
  // No longer requested, or another consumer instance has it.
  kSkipped,
};

// Retries the requested dead letter `id` of `source`. An error means the
// database failed: the request stays for the next poll.
absl::StatusOr<RetryOutcome> RetryDeadLetter(db::Database& database, const EventHandlers& handlers,
                                             const std::string& source, const std::string& id);

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_CONSUMER_APPLY_H_
