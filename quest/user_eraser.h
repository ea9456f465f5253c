// The quest service's part of the right to erasure (common/privacy): what
// becomes of a user's rows in quest_db, in the erasure's transaction.
//
// Deleted (his alone): puzzle_attempts, user_progress, leaderboard_scores.
// Anonymised (shared with others, kept): the user id is replaced by one
// random UUID per erasure, linked to nothing —
// - match_participants: his row in every match stays (the others' ranks,
//   scores and the match's result stay true), and so do its match_answers;
//   in a waiting or in-progress match it is also marked left;
// - matches.creator_id / winner_id (the same UUID as his participant row);
// - puzzles.author_id: puzzles he wrote stay playable.
// Aggregates that stay as they are: puzzles.play_count and the puzzles'
// ratings (built from his attempts, naming no one).
#ifndef QS_QUEST_USER_ERASER_H_
#define QS_QUEST_USER_ERASER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/db/transaction.h"

namespace qs::quest {

// A privacy::EraseUserFn: `user_id` is a lower-case UUID; returns the rows
// deleted or changed (0 on a second run).
absl::StatusOr<int64_t> EraseUser(db::WriteTx& tx, const std::string& user_id);

}  // namespace qs::quest

#endif  // QS_QUEST_USER_ERASER_H_
