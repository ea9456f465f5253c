#include "notification/user_eraser.h"

#include "common/api/uuid.h"

namespace qs::notification {

absl::StatusOr<int64_t> EraseUser(db::WriteTx& tx, const std::string& user_id) {
  const std::string stand_in = api::NewUuidV4();
  int64_t rows = 0;
  auto erase = [&](const char* sql) { rows += tx.Query(sql, user_id).affected_rows(); };
  // Deliveries go before the logs and tokens they reference, so the count
  // includes them (the CASCADE / SET NULL would change them uncounted).
  erase("DELETE FROM deliveries WHERE user_id = $1");
  erase("DELETE FROM notification_logs WHERE user_id = $1");
  erase("DELETE FROM push_tokens WHERE user_id = $1");
  erase("DELETE FROM notification_preferences WHERE user_id = $1");
  erase("DELETE FROM quiet_hours WHERE user_id = $1");
  rows += tx.Query(
                "UPDATE notification_logs SET "
                "sender_id = CASE WHEN sender_id = $1 THEN NULL ELSE sender_id END, "
                "data = replace(data::text, $1::text, $2::text)::jsonb, "
                "deep_link = replace(deep_link, $1::text, $2::text), "
                "title = replace(title, $1::text, $2::text), "
                "body = replace(body, $1::text, $2::text) "
                "WHERE sender_id = $1 OR position($1::text IN data::text) > 0 "
                "OR position($1::text IN deep_link) > 0",
                user_id, stand_in)
              .affected_rows();
  return rows;
}

}  // namespace qs::notification
