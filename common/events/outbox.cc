#include "common/events/outbox.h"

#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/base/call_context.h"
#include "common/events/outbox_doorbell.h"
#include "google/protobuf/util/time_util.h"
#include "pqxx/binarystring"

namespace qs::events {

::events::v1::EventEnvelope AppendEvent(db::WriteTx& tx, const std::string& source,
                                        const std::string& aggregate_id,
                                        const google::protobuf::Message& payload) {
  ::events::v1::EventEnvelope envelope;
  envelope.set_id(api::NewUuidV4());
  envelope.set_type(payload.GetDescriptor()->full_name());
  envelope.set_source(source);
  envelope.set_aggregate_id(aggregate_id);
  *envelope.mutable_occurred_at() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
  envelope.mutable_payload()->PackFrom(payload);
  if (const base::CallContext* call = base::CurrentCall()) {
    envelope.set_trace_parent(call->trace_parent);
  }
  const std::string bytes = envelope.SerializeAsString();
  if (bytes.size() > kMaxEnvelopeBytes) {
    throw std::length_error(absl::StrCat("event ", envelope.type(), " of ", aggregate_id, " is ",
                                         bytes.size(), " bytes, over the outbox's limit of ",
                                         kMaxEnvelopeBytes));
  }
  OutboxDoorbell& doorbell = OutboxDoorbell::Process();
  if (doorbell.HasSubscribers()) {
    // This process's relay is woken at commit instead of by the trigger's
    // NOTIFY, which would serialise commits (outbox_doorbell.h).
    tx.Defer("SELECT set_config('qs.outbox_notify', 'off', true)");
    tx.AfterCommit([] { OutboxDoorbell::Process().Ring(); });
  }
  // Deferred: nothing needs its answer, so it travels with the commit.
  tx.Defer("INSERT INTO outbox_events (id, type, aggregate_id, envelope) VALUES ($1, $2, $3, $4)",
           envelope.id(), envelope.type(), aggregate_id,
           pqxx::binarystring(bytes.data(), bytes.size()));
  return envelope;
}

}  // namespace qs::events
