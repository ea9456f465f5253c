#include "notification/delivery_store.h"

#include "absl/strings/str_cat.h"
#include "common/db/row_mapping.h"
#include "notification/delivery/json_object.h"
#include "notification/queued_deliveries.h"
#include "pqxx/pqxx"

namespace qs::notification {
namespace {

using delivery::PushMessage;
using delivery::PushPlatform;
using delivery::PushPriority;

// One statement: lock due rows (the two claim queries the migration
// documents, each an index scan in due order with SKIP LOCKED), read what a
// send needs, and move each row to `sending` or, when it cannot be sent, to
// its final state. The outer LIMIT bounds the batch when both kinds are due.
// c.verdict is {next state, last_error}; last_error NULL keeps the old one.
// $3 / $4: the retry bound (attempts, seconds since first_attempt_at).
const std::string& ClaimSql() {
  static const std::string* sql = new std::string(absl::StrCat(
      "UPDATE deliveries d SET state = c.verdict[1], "
      // A reclaim after an expired lease: the lost send may have been made.
      "attempts = d.attempts + CASE WHEN d.state = 'sending' THEN 1 ELSE 0 END, "
      "lease_expires_at = CASE WHEN c.verdict[1] = 'sending' "
      "  THEN clock_timestamp() + make_interval(secs => $2) END, "
      "first_attempt_at = CASE WHEN c.verdict[1] = 'sending' "
      "  THEN coalesce(d.first_attempt_at, clock_timestamp()) ELSE d.first_attempt_at END, "
      "finished_at = CASE WHEN c.verdict[1] = 'sending' THEN NULL ELSE clock_timestamp() END, "
      "last_error = coalesce(c.verdict[2], d.last_error), "
      "updated_at = clock_timestamp() "
      "FROM (SELECT d2.id, t.token, t.platform, t.apns_sandbox, n.title, n.body, "
      "        n.data::text AS data, n.deep_link, n.priority, n.collapse_key, n.expires_at, "
      "        CASE WHEN n.expires_at <= clock_timestamp() "
      "               THEN ARRAY['expired', 'notification expired before it was sent'] "
      "             WHEN t.id IS NULL OR t.invalidated_at IS NOT NULL "
      "               THEN ARRAY['invalid_token', 'token invalidated or gone'] "
      // The device changed hands after the row was queued (while it was
      // `sending`, or requeued after a retryable answer): the old user's
      // push must never reach the new owner.
      "             WHEN t.user_id <> d2.user_id "
      "               THEN ARRAY['invalid_token', 'token moved to another user'] "
      // Its lease keeps expiring (the send crashes or hangs the worker):
      // the retry bound ends it rather than reclaiming it forever.
      "             WHEN d2.state = 'sending' AND (d2.attempts + 1 >= $3 "
      "               OR clock_timestamp() - d2.first_attempt_at > make_interval(secs => $4)) "
      "               THEN ARRAY['failed', 'gave up after ' || (d2.attempts + 1) "
      "                 || ' attempts: lease expired (the send crashed or hung its worker)'] "
      "             WHEN t.platform NOT IN ('fcm', 'apns') "
      "               THEN ARRAY['failed', 'no push provider for platform ' || t.platform] "
      "             ELSE ARRAY['sending', NULL] END AS verdict "
      "      FROM deliveries d2 "
      "      JOIN notification_logs n ON n.id = d2.notification_log_id "
      "      LEFT JOIN push_tokens t ON t.id = d2.push_token_id "
      "      WHERE d2.id = ANY(ARRAY("
      "          SELECT id FROM deliveries WHERE state = 'sending' "
      "          AND lease_expires_at <= clock_timestamp() "
      "          ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED) || ARRAY("
      "          SELECT id FROM deliveries WHERE state = 'queued' "
      "          AND next_attempt_at <= clock_timestamp() "
      "          ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)) "
      "      LIMIT $1) c "
      "WHERE d.id = c.id "
      "RETURNING d.id::text, d.state, ",
      db::MicrosOrZeroSql("d.lease_expires_at"),
      ", coalesce(d.push_token_id::text, ''), d.attempts, ",
      db::MicrosOrZeroSql("d.first_attempt_at"),
      ", coalesce(c.token, ''), coalesce(c.platform, ''), coalesce(c.apns_sandbox, false), "
      "c.title, c.body, c.data, c.deep_link, c.priority, c.collapse_key, ",
      db::MicrosOrZeroSql("c.expires_at")));
  return *sql;
}

// The guard of every outcome: still `sending` under the caller's lease.
const std::string& OwnLease() {
  static const std::string* guard = new std::string(absl::StrCat(
      " WHERE id = $1 AND state = 'sending' AND lease_expires_at = ", db::TimestampSql("$2"), " "));
  return *guard;
}

std::map<std::string, std::string> DataMap(const std::string& json) {
  std::map<std::string, std::string> data;
  absl::StatusOr<google::protobuf::Struct> object = delivery::ParseJsonObject(json);
  if (!object.ok()) return data;  // The inbox stores only string maps.
  for (const auto& [key, value] : object->fields()) {
    if (value.has_string_value()) data[key] = value.string_value();
  }
  return data;
}

ClaimedDelivery ClaimedFrom(const pqxx::row& row) {
  ClaimedDelivery claimed;
  claimed.lease.delivery_id = row[0].as<std::string>();
  claimed.lease.lease_expires_micros = row[2].as<int64_t>();
  claimed.push_token_id = row[3].as<std::string>();
  claimed.attempts = row[4].as<int>();
  claimed.first_attempt_at = absl::FromUnixMicros(row[5].as<int64_t>());
  PushMessage& message = claimed.message;
  message.message_id = claimed.lease.delivery_id;
  message.token = row[6].as<std::string>();
  message.platform = row[7].as<std::string>() == "apns" ? PushPlatform::kApns : PushPlatform::kFcm;
  message.apns_sandbox = row[8].as<bool>();
  message.title = row[9].as<std::string>();
  message.body = row[10].as<std::string>();
  message.data = DataMap(row[11].as<std::string>());
  message.deep_link = row[12].as<std::string>();
  message.priority =
      row[13].as<std::string>() == "high" ? PushPriority::kHigh : PushPriority::kNormal;
  message.collapse_key = row[14].as<std::string>();
  const int64_t expires = row[15].as<int64_t>();
  message.expires_at = expires == 0 ? absl::InfiniteFuture() : absl::FromUnixMicros(expires);
  return claimed;
}

}  // namespace

ClaimedBatch DeliveryStore::Claim(db::WriteTx& tx, int limit, absl::Duration lease,
                                  const delivery::RetryPolicySettings& retry) const {
  pqxx::result rows = tx.Query(ClaimSql(), limit, absl::ToDoubleSeconds(lease), retry.max_attempts,
                               absl::ToDoubleSeconds(retry.max_elapsed));
  ClaimedBatch batch;
  batch.rows = static_cast<int>(rows.size());
  batch.to_send.reserve(rows.size());
  for (const pqxx::row& row : rows) {
    if (row[1].as<std::string>() == "sending") batch.to_send.push_back(ClaimedFrom(row));
  }
  return batch;
}

bool DeliveryStore::MarkSent(db::WriteTx& tx, const DeliveryLease& lease,
                             const std::string& provider_message_id,
                             const std::string& provider_response,
                             std::optional<bool> corrected_apns_sandbox) const {
  pqxx::result rows = tx.Query(
      absl::StrCat("UPDATE deliveries SET state = 'sent', attempts = attempts + 1, "
                   "provider_message_id = $3, provider_response = $4, last_error = NULL, "
                   "lease_expires_at = NULL, finished_at = clock_timestamp(), "
                   "updated_at = clock_timestamp()",
                   OwnLease(), "RETURNING coalesce(push_token_id::text, '')"),
      lease.delivery_id, lease.lease_expires_micros, provider_message_id, provider_response);
  if (rows.empty()) return false;
  const std::string token_id = rows[0][0].as<std::string>();
  if (corrected_apns_sandbox.has_value() && !token_id.empty()) {
    tx.Query("UPDATE push_tokens SET apns_sandbox = $2 WHERE id = $1", token_id,
             *corrected_apns_sandbox);
  }
  return true;
}

bool DeliveryStore::Requeue(db::WriteTx& tx, const DeliveryLease& lease, absl::Time next_attempt_at,
                            bool counts_as_attempt, const std::string& last_error,
                            const std::string& provider_response) const {
  pqxx::result rows =
      tx.Query(absl::StrCat("UPDATE deliveries SET state = 'queued', attempts = attempts + $3, "
                            "next_attempt_at = ",
                            db::TimestampSql("$4"),
                            ", last_error = $5, provider_response = $6, lease_expires_at = NULL, "
                            "updated_at = clock_timestamp()",
                            OwnLease(), "RETURNING id"),
               lease.delivery_id, lease.lease_expires_micros, counts_as_attempt ? 1 : 0,
               absl::ToUnixMicros(next_attempt_at), last_error, provider_response);
  return !rows.empty();
}

bool DeliveryStore::Fail(db::WriteTx& tx, const DeliveryLease& lease, const std::string& reason,
                         const std::string& provider_response, bool counts_as_attempt) const {
  pqxx::result rows =
      tx.Query(absl::StrCat("UPDATE deliveries SET state = 'failed', attempts = attempts + $5, "
                            "last_error = $3, provider_response = $4, lease_expires_at = NULL, "
                            "finished_at = clock_timestamp(), updated_at = clock_timestamp()",
                            OwnLease(), "RETURNING id"),
               lease.delivery_id, lease.lease_expires_micros, reason, provider_response,
               counts_as_attempt ? 1 : 0);
  return !rows.empty();
}

bool DeliveryStore::InvalidateToken(db::WriteTx& tx, const DeliveryLease& lease,
                                    const std::string& push_token_id, const std::string& reason,
                                    const std::string& provider_response) const {
  return RetireToken(tx, lease, push_token_id, "invalid_token", reason, reason, provider_response);
}

bool DeliveryStore::StopTokenForSender(db::WriteTx& tx, const DeliveryLease& lease,
                                       const std::string& push_token_id, const std::string& reason,
                                       const std::string& provider_response) const {
  return RetireToken(tx, lease, push_token_id, "failed", reason,
                     absl::StrCat("sender mismatch: ", reason), provider_response);
}

bool DeliveryStore::RetireToken(db::WriteTx& tx, const DeliveryLease& lease,
                                const std::string& push_token_id, const std::string& delivery_state,
                                const std::string& delivery_error, const std::string& token_reason,
                                const std::string& provider_response) const {
  pqxx::result rows =
      tx.Query(absl::StrCat("UPDATE deliveries SET state = $3, attempts = attempts + 1, "
                            "last_error = $4, provider_response = $5, lease_expires_at = NULL, "
                            "finished_at = clock_timestamp(), updated_at = clock_timestamp()",
                            OwnLease(), "RETURNING id"),
               lease.delivery_id, lease.lease_expires_micros, delivery_state, delivery_error,
               provider_response);
  if (rows.empty()) return false;
  if (push_token_id.empty()) return true;  // The token row is already gone.
  // The first verdict on a token stays its reason.
  tx.Query(
      "UPDATE push_tokens SET invalidated_at = coalesce(invalidated_at, clock_timestamp()), "
      "invalid_reason = coalesce(invalid_reason, $2) WHERE id = $1",
      push_token_id, token_reason);
  // Queued ones only: a `sending` one is another worker's, and its claim
  // already read the token (its send gets the provider's own verdict).
  FinishQueuedAsInvalidToken(tx, {push_token_id},
                             absl::StrCat("token invalidated: ", token_reason));
  return true;
}

}  // namespace qs::notification
