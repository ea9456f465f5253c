#include "common/events/consumer_apply.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "common/base/call_context.h"
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
  const EventHandler* handler = handlers.Find(source, envelope.type());
  // No effect, so nothing to de-duplicate: no record either (a service that
  // consumes a whole stream for one type must not keep a row per event).
  if (handler == nullptr) return ApplyOutcome::kNoHandler;
  if (!RecordProcessed(tx, envelope.id(), source, envelope.type())) {
    return ApplyOutcome::kDuplicate;
  }
  absl::Status status;
  // The writing call's trace is current while the handler runs, so that
  // the events it appends in turn carry it on (outbox.h); a consumer has
  // no call of its own, so there is nothing to restore but null.
  base::CallContext traced;
  traced.trace_parent = envelope.trace_parent();
  const base::ScopedCall current(envelope.trace_parent().empty() ? base::CurrentCall() : &traced);
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

// What one transaction over a range of a batch came to.
struct RangeRun {
  // The event whose handler failed (the transaction was rolled back), or
  // the range's end when none did.
  size_t failed_at;
  // Not OK when the database failed (the transaction did not commit).
  absl::Status database;
};

// Applies the events of [begin, end) that no handler failed before, in ONE
// transaction and without savepoints: every event's writes get the
// transaction's own xid (a savepoint per event would overflow PostgreSQL's
// per-backend cache of 64 subtransactions and slow every snapshot on the
// primary and the replicas). Stops at the first event whose handler fails,
// rolling the range back.
RangeRun ApplyRange(db::Database& database, const EventHandlers& handlers,
                    const std::string& source,
                    const std::vector<::events::v1::EventEnvelope>& envelopes,
                    std::vector<ApplyAttempt>& attempts, size_t begin, size_t end) {
  std::vector<std::string> ids;
  for (size_t i = begin; i < end; ++i) {
    if (!attempts[i].handler_failed) ids.push_back(envelopes[i].id());
  }
  RangeRun run{end, absl::OkStatus()};
  if (ids.empty()) return run;
  absl::Status committed = database.Write([&](db::WriteTx& tx) -> absl::Status {
    run.failed_at = end;
    // An event applied here (a replay of a parked one) closes its dead
    // letter with it, so a later retry cannot apply it again once its
    // record is pruned. First, as RetryDeadLetter locks: the same lock order.
    CloseDeadLettersOf(tx, ids);
    for (size_t i = begin; i < end; ++i) {
      ApplyAttempt& attempt = attempts[i];
      if (attempt.handler_failed) continue;  // left out of this run
      try {
        attempt.result =
            ApplyInTransaction(tx, handlers, source, envelopes[i], attempt.handler_failed);
      } catch (const std::exception& error) {
        // The database's failure (the record's statement, a lost
        // connection) fails the whole range; the handler's is its own.
        if (!attempt.handler_failed) throw;
        attempt.result = db::StatusFromDbException(error, "apply event " + envelopes[i].id());
      }
      if (!attempt.result.ok()) {
        run.failed_at = i;
        return attempt.result.status();  // rolls back
      }
    }
    return absl::OkStatus();
  });
  if (!committed.ok() && run.failed_at == end) run.database = committed;
  return run;
}

}  // namespace

std::vector<ApplyAttempt> ApplyEvents(db::Database& database, const EventHandlers& handlers,
                                      const std::string& source,
                                      const std::vector<::events::v1::EventEnvelope>& envelopes) {
  std::vector<ApplyAttempt> attempts(envelopes.size());
  size_t begin = 0;
  while (begin < envelopes.size()) {
    // When an event's handler fails, what preceded it runs again without
    // it and commits; the rest follows in the next transaction. So a
    // failing event costs one rolled-back run of the events before it.
    size_t end = envelopes.size();
    while (true) {
      RangeRun run = ApplyRange(database, handlers, source, envelopes, attempts, begin, end);
      if (!run.database.ok()) {
        // Nothing of [begin, ...) committed: an event whose handler failed
        // keeps its own reason, every other one failed with the database.
        for (size_t i = begin; i < attempts.size(); ++i) {
          if (!attempts[i].handler_failed) attempts[i].result = run.database;
        }
        return attempts;
      }
      if (run.failed_at == end) break;
      end = run.failed_at;
    }
    begin = end + 1;  // past the failed event (or the batch)
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
