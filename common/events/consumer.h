// The event consumers of one service process: one durable JetStream pull
// consumer (explicit ack, max deliver, back-off) per source service that
// EventHandlers has handlers for, on that source's stream.
//
// Each message is applied in ONE write transaction that inserts its event
// id into processed_events (ON CONFLICT DO NOTHING) and, when the id is
// new, runs the handler; commit, then ack. (The messages of one fetch share
// that transaction, without savepoints: when one fails, the batch is rolled
// back and applied again without it, so a backlog costs one commit per
// batch; consumer_apply.h.) A redelivered or replayed event finds its id and
// is acked without effect; an event of a type without a handler is acked
// without a record. A poison message (undecodable envelope, a handler's
// INVALID_ARGUMENT / FAILED_PRECONDITION, or a handler failing
// EVENTS_MAX_DELIVER times) is written to dead_letter_events with the
// reason and acked (Term), so later messages flow. `events dead-letters
// retry <id>` (events_cli.h) sets the row's retry_requested_at; the
// consumers apply requested dead letters with their handlers (the same
// one-transaction path: applied once, or a new reason recorded) and mark
// them retried. A later copy of a parked event that is applied (a replay)
// closes its dead letter in the same transaction.
//
// Stream and consumer set-up is idempotent at start-up and after a broker
// loss (created when missing, updated when changed). processed_events
// older than EVENTS_PROCESSED_RETENTION_DAYS are pruned in batches.
#ifndef QS_COMMON_EVENTS_CONSUMER_H_
#define QS_COMMON_EVENTS_CONSUMER_H_

#include <memory>
#include <optional>
#include <string>

#include "common/db/database.h"
#include "common/events/event_handlers.h"
#include "common/events/event_stream_settings.h"
#include "proto/ops/v1/diagnostics.pb.h"

namespace qs::events {

class EventConsumers {
 public:
  // `handlers` must outlive this object.
  EventConsumers(std::string service, const EventStreamSettings& settings, db::Database& database,
                 const EventHandlers& handlers);
  ~EventConsumers();

  void Start();
  void Stop();

  std::optional<std::string> Degraded() const;

  // Fills `status.consumers` and `status.dead_letters`.
  void FillStatus(::ops::v1::EventStreamStatus& status) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_CONSUMER_H_
