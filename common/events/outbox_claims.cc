#include "common/events/outbox_claims.h"

#include "absl/strings/str_join.h"
#include "pqxx/binarystring"

namespace qs::events {

ClaimedBatch ClaimUnpublished(db::WriteTx& tx, int limit) {
  // MATERIALIZED: the locked set is computed once and both the anti-join
  // and the result read it. (created_at, id) is the order everywhere, so a
  // tie in created_at (two events of one transaction) is ordered the same
  // way by every relay.
  pqxx::result result = tx.Query(
      "WITH claimed AS MATERIALIZED ("
      "  SELECT id, type, aggregate_id, envelope, created_at FROM outbox_events"
      "  WHERE published_at IS NULL ORDER BY created_at, id LIMIT $1"
      "  FOR UPDATE SKIP LOCKED) "
      "SELECT c.id::text, c.type, c.aggregate_id::text, c.envelope,"
      "  NOT EXISTS (SELECT 1 FROM outbox_events o"
      "    WHERE o.aggregate_id = c.aggregate_id AND o.published_at IS NULL"
      "      AND (o.created_at, o.id) < (c.created_at, c.id)"
      "      AND NOT EXISTS (SELECT 1 FROM claimed k WHERE k.id = o.id)) AS ready "
      "FROM claimed c ORDER BY c.created_at, c.id",
      limit);
  ClaimedBatch batch;
  batch.locked = static_cast<int>(result.size());
  batch.rows.reserve(result.size());
  for (const pqxx::row& row : result) {
    if (!row[4].as<bool>()) continue;
    batch.rows.push_back(OutboxRow{row[0].as<std::string>(), row[1].as<std::string>(),
                                   row[2].as<std::string>(), pqxx::binarystring(row[3]).str()});
  }
  return batch;
}

void MarkPublished(db::WriteTx& tx, const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  // The ids are uuids read from the table, so the array literal needs no
  // quoting; it is still bound as a parameter, never spliced into the SQL.
  tx.Query("UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::uuid[])",
           "{" + absl::StrJoin(ids, ",") + "}");
}

OutboxDepth ReadOutboxDepth(db::ReadTx& tx) {
  pqxx::result result = tx.Query(
      "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(created_at)), 0)"
      "::float8 FROM outbox_events WHERE published_at IS NULL");
  OutboxDepth depth;
  depth.unpublished = result[0][0].as<int64_t>();
  depth.oldest_age = absl::Seconds(std::max(0.0, result[0][1].as<double>()));
  return depth;
}

int64_t PrunePublished(db::WriteTx& tx, absl::Duration retention, int limit) {
  pqxx::result result = tx.Query(
      "DELETE FROM outbox_events WHERE id IN ("
      "  SELECT id FROM outbox_events"
      "  WHERE published_at < now() - make_interval(secs => $1::float8) LIMIT $2)",
      absl::ToDoubleSeconds(retention), limit);
  return result.affected_rows();
}

}  // namespace qs::events
