// Writing events into the service's transactional outbox.
//
//   db.Write([&](db::WriteTx& tx) -> absl::Status {
//     ...the change...
//     events::AppendEvent(tx, "quest", attempt_id, solved_event);
//     return absl::OkStatus();
//   });
//
// The event commits or rolls back with the change: no event for a change
// that did not happen, no change without its event. Each event travels as
// an events.v1.EventEnvelope (id, type = the payload's full proto name,
// source service, aggregate id, time, payload as Any, and the W3C trace of
// the current call, base::CurrentCall(), when there is one). Relaying the
// outbox to NATS JetStream is a separate process (the event-stream work).
#ifndef QS_COMMON_EVENTS_OUTBOX_H_
#define QS_COMMON_EVENTS_OUTBOX_H_

#include <string>

#include "common/db/transaction.h"
#include "google/protobuf/message.h"
#include "proto/events/v1/events.pb.h"

namespace qs::events {

// The largest envelope the outbox takes: half of NATS' default max_payload
// (1 MiB), so a row can always be published. A larger one could never leave
// the outbox, and being its aggregate's oldest row it would hold back every
// later event of that aggregate.
inline constexpr size_t kMaxEnvelopeBytes = 512 * 1024;

// Appends `payload` to the outbox inside `tx`; returns the envelope written.
// The INSERT is deferred (WriteTx::Defer): it costs no round trip of its
// own, travelling with the transaction's next statement or its COMMIT.
// When this process runs a relay, it is woken at commit (outbox_doorbell.h)
// and the insert sends no NOTIFY.
// An envelope over kMaxEnvelopeBytes throws std::length_error, which
// Database::Write turns into INTERNAL and a rollback: the change does not
// happen without its event.
::events::v1::EventEnvelope AppendEvent(db::WriteTx& tx, const std::string& source,
                                        const std::string& aggregate_id,
                                        const google::protobuf::Message& payload);

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_OUTBOX_H_
