// The outbox relay of one service process: publishes the rows of its
// outbox_events to the service's JetStream stream and marks each published
// only after JetStream acked it.
//
// Claiming: a round takes up to EVENTS_RELAY_BATCH_SIZE unpublished rows,
// oldest first, with FOR UPDATE SKIP LOCKED in one transaction, publishes
// them (Nats-Msg-Id = event id, subject EventStreamNames::Subject, body =
// the stored events.v1.EventEnvelope bytes) in waves, one row per aggregate
// each (relay_rules.h PlanWaves), sets published_at on the acked ones and
// commits. N instances of a service never double-publish in the
// normal path (a row is locked by one round). A row whose aggregate has an
// older unpublished row held by another round is left out and claimed again
// 10 ms later (that round ends soon), so per-aggregate order holds. Order
// means creation order (created_at): writes of one aggregate that commit out
// of creation order can still be published out of order, so an aggregate's
// writes should serialise (e.g. by locking the aggregate's row). Rows are
// found by "published_at IS NULL", never by "newer than the last one seen":
// transactions commit out of order.
//
// Re-publishes: a crash or failed commit between the ack and the mark
// re-publishes the batch; the stream's duplicate window
// (EVENTS_DUPLICATE_WINDOW_MS) drops those, and consumers de-duplicate by
// event id anyway (processed_events). The window covers every re-publish
// the relay itself causes: the longest pause between rounds is
// EVENTS_RELAY_RETRY_MAX_MS, plus one publish timeout, and start-up refuses
// a window not larger than that. A re-publish later than the window (the
// database down for longer right after a publish, or a crashed process
// restarted after it) reaches the stream twice; then processed_events drops
// the copy. Within a round, after a failed publish its aggregate sends
// nothing more: its later rows wait for the next round, behind it.
//
// Waking: LISTEN outbox_events on a connection of its own (the outbox
// insert's trigger NOTIFYs at commit), so an event leaves within
// milliseconds; EVENTS_RELAY_POLL_MS is the safety net. While NATS is down,
// writes go on, rows wait in the outbox, Degraded() says why, and rounds
// retry with back-off up to EVENTS_RELAY_RETRY_MAX_MS.
//
// Retention: published rows older than EVENTS_OUTBOX_RETENTION_HOURS are
// deleted in batches of 5,000, at start and every 5 minutes (they are the
// replay source until then); unpublished rows are never deleted.
//
// Test hook (off by default, never set it in production):
// EVENTS_TEST_CRASH_AFTER_PUBLISH=1 makes the process SIGKILL itself after
// a round's publishes were acked and before it marks them, to test the
// crash between publish and mark (tests/events/relay_e2e_test.cc).
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
