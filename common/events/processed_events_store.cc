#include "common/events/processed_events_store.h"

namespace qs::events {

bool RecordProcessed(db::WriteTx& tx, const std::string& event_id, const std::string& source,
                     const std::string& type) {
  return !tx.Query(
                "INSERT INTO processed_events (id, source, type) VALUES ($1::uuid, $2, $3) "
                "ON CONFLICT (id) DO NOTHING RETURNING id",
                event_id, source, type)
              .empty();
}

int64_t PruneProcessed(db::WriteTx& tx, absl::Duration retention, int limit) {
  // A bounded batch per statement: one huge DELETE would hold its locks and
  // bloat the WAL in one go.
  return tx
      .Query(
          "DELETE FROM processed_events WHERE id IN ("
          "  SELECT id FROM processed_events"
          "  WHERE processed_at < clock_timestamp() - make_interval(secs => $1::float8)"
          "  LIMIT $2)",
          absl::ToDoubleSeconds(retention), limit)
      .affected_rows();
}

}  // namespace qs::events
