// Publishes a batch of outbox rows to JetStream asynchronously and reports
// each row's ack (relay.h). Uses a JetStream context of its own on the
// relay's NatsConnection, because the per-message ack callback is a
// property of the context.
//
//   absl::StatusOr<std::unique_ptr<OutboxPublisher>> publisher =
//       OutboxPublisher::Create(nats, /*max_pending=*/256);
//   std::vector<absl::Status> acks = (*publisher)->Publish(messages, absl::Seconds(5));
//
// Not thread-safe: one Publish at a time (the relay thread).
#ifndef QS_COMMON_EVENTS_RELAY_PUBLISHER_H_
#define QS_COMMON_EVENTS_RELAY_PUBLISHER_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/events/nats_connection.h"

namespace qs::events {

struct OutgoingMessage {
  // Becomes the Nats-Msg-Id header: JetStream drops a second message with
  // the same id inside the stream's duplicate window.
  std::string id;
  std::string subject;
  std::string data;
};

class OutboxPublisher {
 public:
  // `nats` must outlive the publisher; `max_pending` bounds the messages in
  // flight (at least the largest batch, or Publish stalls).
  static absl::StatusOr<std::unique_ptr<OutboxPublisher>> Create(NatsConnection& nats,
                                                                 int max_pending);
  ~OutboxPublisher();
  OutboxPublisher(const OutboxPublisher&) = delete;
  OutboxPublisher& operator=(const OutboxPublisher&) = delete;

  // Sends every message without waiting, then waits up to `timeout` for
  // all acks. Returns one status per message, in order: OK when the stream
  // stored it (a duplicate ack counts: it is on the stream), else why not
  // (DEADLINE_EXCEEDED when no ack came in time).
  std::vector<absl::Status> Publish(const std::vector<OutgoingMessage>& messages,
                                    absl::Duration timeout);

 private:
  OutboxPublisher() = default;
  static void OnAck(jsCtx* js, natsMsg* msg, jsPubAck* ack, jsPubAckErr* error, void* closure);

  jsCtx* jetstream_ = nullptr;

  std::mutex mutex_;  // Guards outcomes_ (written on a libnats thread).
  std::map<std::string, absl::Status> outcomes_;
};

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_RELAY_PUBLISHER_H_
