// One durable consumer of a service on one source's stream, with its own
// thread (the pull loop of consumer.h):
//
//   loop: set up (stream + durable) if needed → fetch a batch → apply it
//         in one transaction, again without a failed message (consumer_apply.h)
//         → ack / nak with delay / park + term each
//         → apply requested dead-letter retries → sample the durable's
//         counts every few seconds (and set up again when it is gone).
//
// Nothing is acked before its transaction committed: a database or broker
// outage delays messages, never loses them. Thread-safe accessors.
#ifndef QS_COMMON_EVENTS_CONSUMER_SOURCE_H_
#define QS_COMMON_EVENTS_CONSUMER_SOURCE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/db/database.h"
#include "common/events/consumer_apply.h"
#include "common/events/consumer_setup.h"
#include "common/events/event_handlers.h"
#include "common/events/event_stream_settings.h"
#include "common/events/nats_connection.h"
#include "proto/ops/v1/diagnostics.pb.h"

namespace qs::events {

class SourceConsumer {
 public:
  // `settings`, `database`, `handlers` and `nats` must outlive this object.
  SourceConsumer(const std::string& service, std::string source,
                 const EventStreamSettings& settings, db::Database& database,
                 const EventHandlers& handlers, NatsConnection& nats);
  ~SourceConsumer();
  SourceConsumer(const SourceConsumer&) = delete;
  SourceConsumer& operator=(const SourceConsumer&) = delete;

  void Start();
  // Finishes the message in hand, then joins; idempotent. Keeps the durable.
  void Stop();

  // Why this consumer cannot do its work now (set-up or database failing).
  std::optional<std::string> Degraded() const;

  void FillStatus(::ops::v1::ConsumerStatus& status) const;

 private:
  void Run();
  absl::Status SetUp();
  void DropSubscription();
  // One fetch and its messages; false when the subscription must be set up again.
  bool FetchAndApply();
  // Decodes the fetched messages (parking the undecodable), applies the
  // rest in one transaction (ApplyEvents), then settles each.
  void HandleBatch(natsMsg** messages, int count);
  // Ack, nak with delay, or park, after the batch's transaction.
  void Settle(natsMsg* message, const ::events::v1::EventEnvelope& envelope,
              const ApplyAttempt& attempt, int64_t deliveries);
  // Parks the message (own transaction) and terms it; naks it when the
  // dead letter cannot be written.
  void Park(natsMsg* message, const std::string& event_id, const std::string& type,
            const std::string& reason, int64_t deliveries);
  void Nak(natsMsg* message, int64_t deliveries);
  void RetryRequestedDeadLetters();
  // False when the stream or the durable is gone.
  bool Sample();

  void SetError(const std::string& error, bool database);
  void ClearLastError();
  // Applying or parking failed / worked.
  void ClearDatabaseError();
  // The dead-letter poll failed / worked (kept apart: with no messages the
  // poll is what notices an outage, and its success must not hide a failing
  // apply).
  void SetPollError(const std::string& error);
  void ClearPollError();
  // Sleeps up to `duration`; returns early (false) when stopping.
  bool SleepUnlessStopped(absl::Duration duration);

  const std::string source_;
  const EventStreamSettings& settings_;
  db::Database& database_;
  const EventHandlers& handlers_;
  NatsConnection& nats_;
  const DurableConsumer consumer_;

  natsSubscription* subscription_ = nullptr;  // only the loop thread touches it
  absl::Time next_sample_ = absl::InfinitePast();

  std::atomic<int64_t> applied_{0};
  std::atomic<int64_t> duplicates_{0};

  mutable std::mutex mutex_;  // guards the fields below and stop_
  std::condition_variable wake_;
  bool stop_ = false;
  std::string last_error_;
  std::string setup_error_;     // non-empty while set-up fails
  std::string database_error_;  // non-empty while applying or parking fails
  std::string poll_error_;      // non-empty while the dead-letter poll fails
  // Mutable: FillStatus samples itself when the loop has not for a while.
  mutable ConsumerCounts counts_;
  mutable absl::Time sampled_at_ = absl::InfinitePast();
  mutable absl::Time caller_sample_tried_at_ = absl::InfinitePast();

  std::thread thread_;
};

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_CONSUMER_SOURCE_H_
