// All SQL on processed_events: the record, in the consumer's transaction,
// that an event was applied (consumer.h), and its pruning. Only events that
// a handler applies are recorded: one without a handler has no effect to
// de-duplicate.
//
//   db.Write([&](db::WriteTx& tx) -> absl::Status {
//     if (!RecordProcessed(tx, envelope.id(), "social", envelope.type())) {
//       return absl::OkStatus();   // applied before: a redelivery or replay
//     }
//     return handler(tx, envelope);   // commits with the record, or neither
//   });
#ifndef QS_COMMON_EVENTS_PROCESSED_EVENTS_STORE_H_
#define QS_COMMON_EVENTS_PROCESSED_EVENTS_STORE_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "common/db/transaction.h"

namespace qs::events {

// Inserts the record of `event_id` (a UUID); true when it is new, false when
// the event was recorded before. A concurrent transaction recording the same
// id makes this wait for it (the primary key), so of two deliveries of one
// event applied at once exactly one sees true.
bool RecordProcessed(db::WriteTx& tx, const std::string& event_id, const std::string& source,
                     const std::string& type);

// Deletes up to `limit` records older than `retention`; returns how many.
int64_t PruneProcessed(db::WriteTx& tx, absl::Duration retention, int limit);

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_PROCESSED_EVENTS_STORE_H_
