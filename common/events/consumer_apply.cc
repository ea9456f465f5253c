#include "common/events/consumer_apply.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "common/db/db_error.h"
#include "common/events/consumer_rules.h"
#include "common/events/dead_letter_store.h"
#include "common/events/processed_events_store.h"

namespace qs::events {
namespace {

// The body of the transaction; `handler_failed` is set before any error
// leaves it (returned, or thrown for Database::Write to map).
absl::StatusOr<ApplyOutcome> ApplyInTransaction(db::WriteTx& tx, const EventHandlers& handlers,
                                                const std::string& source,
                                                const ::events::v1::EventEnvelope& envelope,
                                                bool& handler_failed) {
  if (!RecordProcessed(tx, envelope.id(), source, envelope.type())) {
    return ApplyOutcome::kDuplicate;
  }
  const EventHandler* handler = handlers.Find(source, envelope.type());
  if (handler == nullptr) return ApplyOutcome::kNoHandler;
  absl::Status status;
  try {
    status = (*handler)(tx, envelope);
  } catch (const std::exception& error) {
    // A lost connection is the database's failure, not the event's.
    handler_failed = !db::IsConnectionLost(error);
    throw;
  }
  if (!status.ok()) {
    handler_failed = true;
    return status;
  }
  return ApplyOutcome::kApplied;
}

}  // namespace

std::vector<ApplyAttempt> ApplyEvents(db::Database& database, const EventHandlers& handlers,
                                      const std::string& source,
                                      const std::vector<::events::v1::EventEnvelope>& envelopes) {
  std::vector<ApplyAttempt> attempts(envelopes.size());
  absl::Status committed = database.Write([&](db::WriteTx& tx) -> absl::Status {
    for (size_t i = 0; i < envelopes.size(); ++i) {
      ApplyAttempt& attempt = attempts[i];
      attempt.handler_failed = false;
      // Each event under a savepoint: one that fails is undone alone, the
      // others of the batch commit together (one commit per batch, not per
      // event, is what makes a backlog drain fast).
      tx.Query("SAVEPOINT apply_event");
      try {
        attempt.result =
            ApplyInTransaction(tx, handlers, source, envelopes[i], attempt.handler_failed);
      } catch (const std::exception& error) {
        // The whole batch fails with a lost connection; any other error was
        // this event's statement (the handler's, or its record's).
        if (db::IsConnectionLost(error)) throw;
        attempt.result = db::StatusFromDbException(error, "apply event " + envelopes[i].id());
      }
      tx.Query(attempt.result.ok() ? "RELEASE SAVEPOINT apply_event"
                                   : "ROLLBACK TO SAVEPOINT apply_event");
    }
    return absl::OkStatus();
  });
  if (!committed.ok()) {
    // Nothing committed: an event whose handler failed keeps its own
    // reason, every other one failed with the database.
    for (ApplyAttempt& attempt : attempts) {
      if (attempt.result.ok() || !attempt.handler_failed) {
        attempt.result = committed;
        attempt.handler_failed = false;
      }
    }
  }
  return attempts;
}

ApplyAttempt ApplyEvent(db::Database& database, const EventHandlers& handlers,
                        const std::string& source, const ::events::v1::EventEnvelope& envelope) {
  return ApplyEvents(database, handlers, source, {envelope})[0];
}

absl::StatusOr<RetryOutcome> RetryDeadLetter(db::Database& database, const EventHandlers& handlers,
                                             const std::string& source, const std::string& id) {
  bool handler_failed = false;
  absl::StatusOr<RetryOutcome> outcome =
      database.Write([&](db::WriteTx& tx) -> absl::StatusOr<RetryOutcome> {
        handler_failed = false;
        std::optional<DeadLetter> letter = LockRequestedDeadLetter(tx, id);
        if (!letter.has_value()) return RetryOutcome::kSkipped;
        absl::StatusOr<::events::v1::EventEnvelope> envelope =
            DecodeEnvelope(letter->envelope, source);
        if (!envelope.ok()) {
          handler_failed = true;  // the stored message itself is unusable
          return envelope.status();
        }
        absl::StatusOr<ApplyOutcome> applied =
            ApplyInTransaction(tx, handlers, source, *envelope, handler_failed);
        if (!applied.ok()) return applied.status();
        MarkDeadLetterRetried(tx, id);
        return RetryOutcome::kApplied;
      });
  if (outcome.ok() || !handler_failed) return outcome;
  // Rolled back; record the reason in a transaction of its own.
  const absl::Status failure = outcome.status();
  absl::Status recorded = database.Write([&](db::WriteTx& tx) -> absl::Status {
    MarkDeadLetterRetryFailed(tx, id, failure.ToString());
    return absl::OkStatus();
  });
  if (!recorded.ok()) return recorded;
  return RetryOutcome::kFailed;
}

}  // namespace qs::events
