// What a consuming service does with the events it receives: one handler
// per (source service, payload type), registered at start-up in
// add_services and run by the consumers (consumer.h).
//
//   context.events().On<::social::v1::FriendRequestSent>(
//       "social", [&](db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
//                     const ::social::v1::FriendRequestSent& sent) -> absl::Status {
//         return sender.Send(tx, ...);   // the handler's effect, in `tx`
//       });
//
// A handler runs inside the consumer's transaction, which also records the
// event id in processed_events: its effect and that record commit together,
// so a redelivered or replayed event is applied exactly once. So a handler
// must do all its work in `tx` (no calls to other services, no writes
// through Database::Write) and may append events of its own (outbox.h).
//
// What its status means to the consumer:
// - OK: applied; committed and acked. The handler may run more than once
//   before that (its run is rolled back when a later event of the batch
//   fails, then run again): hence no effect outside `tx`.
// - INVALID_ARGUMENT / FAILED_PRECONDITION: the event can never be applied
//   (fails validation); rolled back and parked at once as a dead letter.
// - anything else: rolled back and redelivered with back-off, parked after
//   EVENTS_MAX_DELIVER deliveries.
// A payload that does not unpack as `Payload` is INVALID_ARGUMENT.
// Events of a source with handlers, but of a type without one, are acked
// without effect and without a processed_events record (nothing to
// de-duplicate; a service consuming a stream for one type keeps no rows for
// the others).
#ifndef QS_COMMON_EVENTS_EVENT_HANDLERS_H_
#define QS_COMMON_EVENTS_EVENT_HANDLERS_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/db/transaction.h"
#include "proto/events/v1/events.pb.h"

namespace qs::events {

using EventHandler = std::function<absl::Status(db::WriteTx&, const ::events::v1::EventEnvelope&)>;

class EventHandlers {
 public:
  // Registers `handler` for events of type Payload (its full proto name)
  // written by `source`. A second handler for the same pair replaces the first.
  template <typename Payload, typename Fn>
  void On(const std::string& source, Fn handler) {
    const std::string type = Payload::descriptor()->full_name();
    Add(source, type,
        [type, handler = std::move(handler)](db::WriteTx& tx,
                                             const ::events::v1::EventEnvelope& envelope) {
          Payload payload;
          if (!envelope.payload().UnpackTo(&payload)) {
            return absl::InvalidArgumentError(
                absl::StrCat("payload of event ", envelope.id(), " is not a valid ", type));
          }
          return handler(tx, envelope, payload);
        });
  }

  void Add(const std::string& source, const std::string& type, EventHandler handler);

  // The source services with at least one handler, ascending.
  std::vector<std::string> Sources() const;

  // The handler of (source, type), or nullptr.
  const EventHandler* Find(const std::string& source, const std::string& type) const;

  bool empty() const { return handlers_.empty(); }

 private:
  std::map<std::pair<std::string, std::string>, EventHandler> handlers_;
};

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_EVENT_HANDLERS_H_
