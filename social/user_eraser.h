// The social service's part of the right to erasure (common/privacy): what
// becomes of a user's rows in social_db, in the erasure's transaction.
//
// Deleted: friend_requests, friendships, user_blocks and friendship_events
// in which he is either side; his friend_suggestion_lists row (and every
// other list that suggests him is emptied and marked stale, so the
// refresher recomputes it without him); his channel_read_marks; his
// guild_members rows (member counts follow).
// Guilds he owns: ownership passes to the longest-standing admin, else the
// longest-standing member; a guild with no one else is deleted (as when
// its last member leaves), with its channel, messages and audit trail.
// Anonymised (shared, kept) with one random UUID per erasure, linked to
// nothing: his messages, in guild and direct channels, become deleted
// messages (text and metadata cleared, edits deleted) of that stand-in, so
// a channel's sequence has no gap; a direct channel with him stays the
// other side's conversation (their messages and read mark kept) with the
// stand-in as its second member; guild_audit_log actor/target ids; his id
// inside the text or metadata of system messages (joins, leaves) and in
// audit details (both found by a scan: erasures are rare).
#ifndef QS_SOCIAL_USER_ERASER_H_
#define QS_SOCIAL_USER_ERASER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/db/transaction.h"

namespace qs::social {

// A privacy::EraseUserFn: `user_id` is a lower-case UUID; returns the rows
// deleted or changed (0 on a second run).
absl::StatusOr<int64_t> EraseUser(db::WriteTx& tx, const std::string& user_id);

}  // namespace qs::social

#endif  // QS_SOCIAL_USER_ERASER_H_
