// All SQL of the outbox relay (relay.h) over outbox_events: claiming a
// batch, marking it published, the depth for diagnostics, and pruning.
//
//   db.Write([&](db::WriteTx& tx) -> absl::Status {
//     ClaimedBatch batch = ClaimUnpublished(tx, 256);
//     ...publish batch.rows...
//     MarkPublished(tx, acked_ids);
//     return absl::OkStatus();   // commit releases the row locks
//   });
//
// Functions throw libpqxx exceptions; Database::Write/Read turn them into
// absl::Status (the repository boundary).
#ifndef QS_COMMON_EVENTS_OUTBOX_CLAIMS_H_
#define QS_COMMON_EVENTS_OUTBOX_CLAIMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/db/transaction.h"

namespace qs::events {

struct OutboxRow {
  std::string id;
  std::string type;
  std::string aggregate_id;
  // The serialized events.v1.EventEnvelope, published as the message body.
  std::string envelope;
};

struct ClaimedBatch {
  // Rows locked by the claim (FOR UPDATE SKIP LOCKED), before dropping;
  // equal to the limit when more rows may be waiting.
  int locked = 0;
  // The rows to publish, oldest first: the locked ones minus any whose
  // aggregate has an older unpublished row outside the batch (locked by
  // another relay, or committed late); those wait for a later round.
  std::vector<OutboxRow> rows;
};

// Locks up to `limit` unpublished rows, oldest first, skipping rows another
// transaction holds; the locks last until `tx` ends.
ClaimedBatch ClaimUnpublished(db::WriteTx& tx, int limit);

// Sets published_at = now() on the rows `ids` (one statement).
void MarkPublished(db::WriteTx& tx, const std::vector<std::string>& ids);

struct OutboxDepth {
  int64_t unpublished = 0;
  // Age of the oldest unpublished row; zero when none.
  absl::Duration oldest_age;
};

// One query; run it on the write node (the replica lags behind the marks).
OutboxDepth ReadOutboxDepth(db::ReadTx& tx);

// Deletes up to `limit` rows published more than `retention` ago; never an
// unpublished row. Returns the number deleted (< limit: nothing more now).
int64_t PrunePublished(db::WriteTx& tx, absl::Duration retention, int limit);

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_OUTBOX_CLAIMS_H_
