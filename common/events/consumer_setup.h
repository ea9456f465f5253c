// The JetStream side of one consumer (consumer.h): its durable pull
// consumer, created or updated idempotently, and the numbers it reports.
//
//   DurableConsumer consumer{names.Stream("social"), names.StreamSubjects("social"),
//                            names.Durable("notification")};
//   QS_RETURN_IF_ERROR(EnsureDurableConsumer(nats, consumer, settings));
//   absl::StatusOr<ConsumerCounts> counts = SampleConsumer(nats, consumer);
#ifndef QS_COMMON_EVENTS_CONSUMER_SETUP_H_
#define QS_COMMON_EVENTS_CONSUMER_SETUP_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/events/event_stream_settings.h"
#include "common/events/nats_connection.h"

namespace qs::events {

struct DurableConsumer {
  std::string stream;
  // Its filter: the whole source stream ("social.>").
  std::string subjects;
  std::string durable;
};

// Creates the source's stream when missing (NatsConnection::
// EnsureStreamExists: an existing one keeps its owner's settings), then the durable:
// pull, explicit ack, deliver all, AckWait = EVENTS_ACK_WAIT_MS and no
// JetStream MaxDeliver (-1): the consumer itself parks a message after
// EVENTS_MAX_DELIVER failed deliveries (it must write the dead letter first)
// and spaces redeliveries with NakWithDelay (consumer_rules.h). An existing
// durable with another config is updated. Safe from N instances at once.
absl::Status EnsureDurableConsumer(NatsConnection& nats, const DurableConsumer& consumer,
                                   const EventStreamSettings& settings);

struct ConsumerCounts {
  // Messages on the stream not delivered to the durable yet (num_pending).
  int64_t pending = 0;
  // Delivered, not acked yet.
  int64_t ack_pending = 0;
};

// The durable's counts from the server, waiting at most `timeout` for the
// answer. NOT_FOUND when the stream or the durable is gone (a broker that
// lost its store): set it up again.
absl::StatusOr<ConsumerCounts> SampleConsumer(NatsConnection& nats, const DurableConsumer& consumer,
                                              absl::Duration timeout = absl::Seconds(5));

// True for the JetStream errors that mean the stream or consumer is gone.
bool IsMissingStreamOrConsumer(jsErrCode error);

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_CONSUMER_SETUP_H_
