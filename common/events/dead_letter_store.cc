#include "common/events/dead_letter_store.h"

#include "absl/strings/str_cat.h"
#include "common/db/row_mapping.h"
#include "pqxx/binarystring"

namespace qs::events {
namespace {

const std::string& Columns() {
  static const std::string* columns = new std::string(absl::StrCat(
      "id::text, coalesce(event_id::text, ''), source, coalesce(type, ''), subject, envelope, "
      "reason, deliveries, ",
      db::MicrosSql("created_at"), ", ", db::MicrosOrZeroSql("retry_requested_at"), ", ",
      db::MicrosOrZeroSql("retried_at"), ", coalesce(last_retry_error, '')"));
  return *columns;
}

std::optional<absl::Time> OptionalTime(int64_t micros) {
  if (micros == 0) return std::nullopt;
  return absl::FromUnixMicros(micros);
}

DeadLetter FromRow(const pqxx::row& row) {
  DeadLetter letter;
  letter.id = row[0].as<std::string>();
  letter.event_id = row[1].as<std::string>();
  letter.source = row[2].as<std::string>();
  letter.type = row[3].as<std::string>();
  letter.subject = row[4].as<std::string>();
  letter.envelope = pqxx::binarystring(row[5]).str();
  letter.reason = row[6].as<std::string>();
  letter.deliveries = row[7].as<int64_t>();
  letter.created_at = absl::FromUnixMicros(row[8].as<int64_t>());
  letter.retry_requested_at = OptionalTime(row[9].as<int64_t>());
  letter.retried_at = OptionalTime(row[10].as<int64_t>());
  letter.last_retry_error = row[11].as<std::string>();
  return letter;
}

}  // namespace

std::string ParkDeadLetter(db::WriteTx& tx, const NewDeadLetter& letter) {
  return tx
      .Query(
          "INSERT INTO dead_letter_events "
          "  (event_id, source, type, subject, envelope, reason, deliveries) "
          "VALUES (nullif($1, '')::uuid, $2, nullif($3, ''), $4, $5, $6, $7) "
          "ON CONFLICT (event_id) WHERE retried_at IS NULL DO UPDATE "
          "  SET reason = EXCLUDED.reason, deliveries = EXCLUDED.deliveries "
          "RETURNING id::text",
          letter.event_id, letter.source, letter.type, letter.subject,
          pqxx::binarystring(letter.envelope.data(), letter.envelope.size()), letter.reason,
          letter.deliveries)[0][0]
      .as<std::string>();
}

std::vector<DeadLetter> ListOpenDeadLetters(db::ReadTx& tx, int limit) {
  std::vector<DeadLetter> letters;
  for (const pqxx::row& row :
       tx.Query(absl::StrCat("SELECT ", Columns(),
                             " FROM dead_letter_events WHERE retried_at IS NULL "
                             "ORDER BY created_at DESC, id LIMIT $1"),
                limit)) {
    letters.push_back(FromRow(row));
  }
  return letters;
}

int64_t CountOpenDeadLetters(db::ReadTx& tx) {
  return tx.Query("SELECT count(*) FROM dead_letter_events WHERE retried_at IS NULL")[0][0]
      .as<int64_t>();
}

std::optional<DeadLetter> FindDeadLetter(db::ReadTx& tx, const std::string& id) {
  pqxx::result rows = tx.Query(
      absl::StrCat("SELECT ", Columns(), " FROM dead_letter_events WHERE id = $1::uuid"), id);
  if (rows.empty()) return std::nullopt;
  return FromRow(rows[0]);
}

bool RequestDeadLetterRetry(db::WriteTx& tx, const std::string& id) {
  return !tx.Query(
                "UPDATE dead_letter_events "
                "SET retry_requested_at = clock_timestamp(), last_retry_error = NULL "
                "WHERE id = $1::uuid AND retried_at IS NULL RETURNING id",
                id)
              .empty();
}

std::vector<std::string> RequestedDeadLetterRetries(db::WriteTx& tx, const std::string& source,
                                                    int limit) {
  std::vector<std::string> ids;
  for (const pqxx::row& row :
       tx.Query("SELECT id::text FROM dead_letter_events "
                "WHERE source = $1 AND retry_requested_at IS NOT NULL AND retried_at IS NULL "
                "ORDER BY retry_requested_at LIMIT $2",
                source, limit)) {
    ids.push_back(row[0].as<std::string>());
  }
  return ids;
}

std::optional<DeadLetter> LockRequestedDeadLetter(db::WriteTx& tx, const std::string& id) {
  pqxx::result rows =
      tx.Query(absl::StrCat("SELECT ", Columns(),
                            " FROM dead_letter_events WHERE id = $1::uuid "
                            "AND retry_requested_at IS NOT NULL AND retried_at IS NULL "
                            "FOR UPDATE SKIP LOCKED"),
               id);
  if (rows.empty()) return std::nullopt;
  return FromRow(rows[0]);
}

void MarkDeadLetterRetried(db::WriteTx& tx, const std::string& id) {
  tx.Query(
      "UPDATE dead_letter_events SET retried_at = clock_timestamp(), last_retry_error = NULL "
      "WHERE id = $1::uuid",
      id);
}

void CloseDeadLettersOf(db::WriteTx& tx, const std::vector<std::string>& event_ids) {
  if (event_ids.empty()) return;
  tx.Query(
      "UPDATE dead_letter_events SET retried_at = clock_timestamp(), last_retry_error = NULL "
      "WHERE event_id = ANY($1::uuid[]) AND retried_at IS NULL",
      db::ArrayLiteral(event_ids));
}

void MarkDeadLetterRetryFailed(db::WriteTx& tx, const std::string& id, const std::string& error) {
  tx.Query(
      "UPDATE dead_letter_events SET retry_requested_at = NULL, last_retry_error = $2 "
      "WHERE id = $1::uuid AND retried_at IS NULL",
      id, error);
}

}  // namespace qs::events
