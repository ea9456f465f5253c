// The notification service's part of the right to erasure (common/privacy):
// what becomes of a user's rows in notification_db, in the erasure's
// transaction.
//
// Deleted (his alone): push_tokens, notification_preferences, quiet_hours,
// the notification_logs addressed to him (his inbox) with their deliveries
// (CASCADE), and any delivery still naming him.
// Anonymised (kept, they are the recipients'): notifications he caused for
// others lose their sender_id (NULL: the column allows "no sender"), and
// his id inside their data, deep link, title or body is replaced by one
// random UUID per erasure, linked to nothing.
#ifndef QS_NOTIFICATION_USER_ERASER_H_
#define QS_NOTIFICATION_USER_ERASER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/db/transaction.h"

namespace qs::notification {

// A privacy::EraseUserFn: `user_id` is a lower-case UUID; returns the rows
// deleted or changed (0 on a second run).
absl::StatusOr<int64_t> EraseUser(db::WriteTx& tx, const std::string& user_id);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_USER_ERASER_H_
