// The outbox relay of one service process: publishes the rows of its
// outbox_events to the service's JetStream stream and marks each published
// only after JetStream acked it.
//
// Claiming: a round takes up to EVENTS_RELAY_BATCH_SIZE unpublished rows,
// oldest first, with FOR UPDATE SKIP LOCKED in one transaction, publishes
// them (Nats-Msg-Id = event id, subject EventStreamNames::Subject), sets
// published_at on the acked ones and commits. N instances of a service never
// double-publish in the normal path (a row is locked by one round), and a
// row whose aggregate has an older unpublished row held by another round is
// left for the next round, so per-aggregate order holds. Rows are found by
// "published_at IS NULL", never by "newer than the last one seen":
// transactions commit out of order. A crash between the ack and the commit
// re-publishes the batch; the stream's duplicate window
// (EVENTS_DUPLICATE_WINDOW_MS, longer than the longest retry gap) drops
// those, and consumers de-duplicate by event id anyway (processed_events).
//
// Waking: LISTEN outbox_events on a connection of its own (the outbox
// insert's trigger NOTIFYs at commit), so an event leaves within
// milliseconds; EVENTS_RELAY_POLL_MS is the safety net. While NATS is down,
// writes go on, rows wait in the outbox, Degraded() says why, and rounds
// retry with back-off up to EVENTS_RELAY_RETRY_MAX_MS.
//
// Retention: published rows older than EVENTS_OUTBOX_RETENTION_HOURS are
// deleted in batches (they are the replay source until then).
#ifndef QS_COMMON_EVENTS_RELAY_H_
#define QS_COMMON_EVENTS_RELAY_H_

#include <memory>
#include <optional>
#include <string>

#include "common/db/database.h"
#include "common/events/event_stream_settings.h"
#include "proto/ops/v1/diagnostics.pb.h"

namespace qs::events {

class OutboxRelay {
 public:
  // `listen_conninfo`: a libpq connection string of the write node for the
  // LISTEN connection (outside the pools).
  OutboxRelay(std::string service, const EventStreamSettings& settings, db::Database& database,
              std::string listen_conninfo);
  ~OutboxRelay();

  // Starts the relay thread(s); returns at once (NATS may be down).
  void Start();
  // Stops after the round in flight; idempotent.
  void Stop();

  // Why the relay is degraded now (NATS unreachable, stream cannot be set
  // up, publishes failing), or nullopt when it works.
  std::optional<std::string> Degraded() const;

  // Fills the relay's fields of `status` (connected, depth, oldest age,
  // published, rate, last error); queries the outbox for depth and age.
  void FillStatus(::ops::v1::EventStreamStatus& status) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_RELAY_H_
