// Erasure of a user from the tables every service database has (owned by
// common/, common/schema.sql), run in the erasure's transaction after the
// service's own eraser:
// - outbox_events: every event about him or mentioning his id anywhere in
//   its envelope (FriendRequestSent, MatchFinished, ...) is deleted, relayed
//   or not: an event not relayed yet is about a user who no longer exists,
//   and a relayed one is only kept for `events replay`, which must not
//   bring him back. UserErased events are kept: they must travel, and they
//   go with the outbox retention (EVENTS_OUTBOX_RETENTION_HOURS, 7 days by default).
// - idempotency_keys: stored first results whose scope, request id or
//   response mention him (a retried request of his is no longer replayed).
// - dead_letter_events: parked events mentioning him in their envelope,
//   reason or retry error (UserErased kept, so a parked erasure can still
//   be retried).
// Ids are matched as text in both cases, so they are found inside
// serialized protos and JSON alike.
#ifndef QS_COMMON_PRIVACY_COMMON_TABLES_ERASER_H_
#define QS_COMMON_PRIVACY_COMMON_TABLES_ERASER_H_

#include <cstdint>
#include <string>

#include "common/db/transaction.h"

namespace qs::privacy {

// Deletes the rows above of `user_id` (a lower-case UUID); returns how many.
int64_t EraseFromCommonTables(db::WriteTx& tx, const std::string& user_id);

}  // namespace qs::privacy

#endif  // QS_COMMON_PRIVACY_COMMON_TABLES_ERASER_H_
