// Erasure of a user from the tables every service database has (owned by
// common/, common/schema.sql), run in the erasure's transaction after the
// service's own eraser:
// - outbox_events: every event mentioning his id (in its aggregate or
//   anywhere in its envelope: FriendRequestSent, a MatchFinished of him and
//   others, ...), relayed or not, is rewritten with a stand-in UUID (one
//   per erasure) in his place, not deleted: it is other users' event too,
//   an unrelayed one must still reach them and a relayed one stays in
//   `events replay`. Same length, so the envelope still parses (a rewrite
//   that would not is deleted instead, and logged). His UserErased events
//   are kept as they are: they must travel with his id, and they go with
//   the outbox retention (EVENTS_OUTBOX_RETENTION_HOURS, 7 days by default).
// - idempotency_keys: stored first results whose scope, request id or
//   response mention him are deleted (replayable responses, not events: a
//   retried request of his is no longer replayed).
// - dead_letter_events: parked events mentioning him in their envelope,
//   reason or retry error are rewritten the same way, so another user's
//   parked event can still be retried (UserErased kept as it is).
// Ids are matched as text (lower or upper case), so they are found inside
// serialized protos and JSON alike.
#ifndef QS_COMMON_PRIVACY_COMMON_TABLES_ERASER_H_
#define QS_COMMON_PRIVACY_COMMON_TABLES_ERASER_H_

#include <cstdint>
#include <string>

#include "common/db/transaction.h"

namespace qs::privacy {

// Deletes or rewrites the rows above of `user_id` (a lower-case UUID);
// returns how many.
int64_t EraseFromCommonTables(db::WriteTx& tx, const std::string& user_id);

}  // namespace qs::privacy

#endif  // QS_COMMON_PRIVACY_COMMON_TABLES_ERASER_H_
