#include "quest/user_eraser.h"

#include "common/api/uuid.h"

namespace qs::quest {

absl::StatusOr<int64_t> EraseUser(db::WriteTx& tx, const std::string& user_id) {
  // One stand-in per erasure keeps his participant row and the match's
  // winner consistent, and two erased players of one match distinct.
  const std::string stand_in = api::NewUuidV4();
  int64_t rows = 0;
  // The progress row first: a submit locks it before the attempt
  // (AttemptStore::LoadSubmission), so the same order cannot deadlock.
  rows += tx.Query("DELETE FROM user_progress WHERE user_id = $1", user_id).affected_rows();
  rows += tx.Query("DELETE FROM puzzle_attempts WHERE user_id = $1", user_id).affected_rows();
  rows += tx.Query("DELETE FROM leaderboard_scores WHERE user_id = $1", user_id).affected_rows();
  rows += tx.Query(
                "UPDATE match_participants p SET user_id = $2, left_at = CASE "
                "WHEN m.status IN ('waiting', 'in_progress') "
                "THEN coalesce(p.left_at, clock_timestamp()) ELSE p.left_at END "
                "FROM matches m WHERE m.id = p.match_id AND p.user_id = $1",
                user_id, stand_in)
              .affected_rows();
  rows += tx.Query(
                "UPDATE matches SET "
                "creator_id = CASE WHEN creator_id = $1 THEN $2::uuid ELSE creator_id END, "
                "winner_id = CASE WHEN winner_id = $1 THEN $2::uuid ELSE winner_id END "
                "WHERE creator_id = $1 OR winner_id = $1",
                user_id, stand_in)
              .affected_rows();
  rows += tx.Query("UPDATE puzzles SET author_id = $2 WHERE author_id = $1", user_id, stand_in)
              .affected_rows();
  return rows;
}

}  // namespace qs::quest
