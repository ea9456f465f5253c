// All SQL for `matches`, `match_participants` and `match_answers`: the one
// place where their columns map to quest.v1.Match. libpqxx exceptions
// propagate to Database::Read/Write.
//
// Round trips (transaction.h): a change to a match is Lock (or
// LockForAnswer), any number of deferred writes, then Reload, which carries
// them: two round trips, plus the COMMIT's.
//
//   QS_ASSIGN_OR_RETURN(v1::Match match, store.Lock(tx, id));  // BEGIN, lock, load
//   store.Start(tx, id);                                        // deferred
//   return store.Reload(tx, id);                                // the UPDATE, load
//
// Locks: the row of the match (Lock) and rows of its own participants and
// answers; nothing here locks a row that other matches share. (The foreign
// key match_answers.puzzle_id does: RecordAnswer's insert takes a KEY SHARE
// lock on the puzzle's row, which attempts lock FOR UPDATE.)
#ifndef QS_QUEST_MATCH_STORE_H_
#define QS_QUEST_MATCH_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/api/keyset_position.h"
#include "common/db/transaction.h"
#include "proto/quest/v1/matches.pb.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

// A match under its lock, with what an answer to `puzzle_id` by `user`
// needs besides (LockForAnswer).
struct MatchForAnswer {
  v1::Match match;
  // Whether `user` answered `puzzle_id` in this match already.
  bool answered_before = false;
  // Milliseconds since the match started, by the database clock when the
  // lock was granted; 0 before the start.
  int64_t elapsed_ms = 0;
};

class MatchStore {
 public:
  // Inserts the match and its creator as the first participant, in one
  // statement; returns the match as stored.
  v1::Match Create(db::WriteTx& tx, const std::string& creator_id, v1::MatchMode mode,
                   int max_players, const std::vector<std::string>& puzzle_ids);

  // The match with its participants (in join order, then by user id), in
  // one statement. NOT_FOUND when no such match.
  absl::StatusOr<v1::Match> Get(db::ReadTx& tx, const std::string& id);

  // Get, after taking the match row for update: every change to a match
  // and its participants happens under that lock, which only the few
  // players of that match contend for. One round trip: the lock travels,
  // deferred, with the load, which is a statement of its own so that it
  // sees whatever the previous holder of the lock committed (a single
  // READ COMMITTED statement would read the participants as of its start,
  // from before the wait).
  absl::StatusOr<v1::Match> Lock(db::WriteTx& tx, const std::string& id);
  // Lock, with MatchForAnswer's extras computed in the same statement.
  absl::StatusOr<MatchForAnswer> LockForAnswer(db::WriteTx& tx, const std::string& id,
                                               const std::string& user_id,
                                               const std::string& puzzle_id);
  // The match again, in a transaction that holds its lock: as this
  // transaction's writes left it. Sends the deferred writes with it.
  absl::StatusOr<v1::Match> Reload(db::WriteTx& tx, const std::string& id);

  // Writes, deferred (WriteTx::Defer): they reach the database with the
  // transaction's next statement or its COMMIT, and so do their errors.
  // Call them under the match's lock.
  void AddParticipant(db::WriteTx& tx, const std::string& match_id, const std::string& user_id);
  void RemoveParticipant(db::WriteTx& tx, const std::string& match_id, const std::string& user_id);
  void MarkLeft(db::WriteTx& tx, const std::string& match_id, const std::string& user_id);
  void Start(db::WriteTx& tx, const std::string& match_id);
  void Cancel(db::WriteTx& tx, const std::string& match_id);
  // The match's result and every participant's rank, in one statement.
  void Finish(db::WriteTx& tx, const std::string& match_id, const std::string& winner_id,
              const std::vector<std::pair<std::string, int>>& ranks);
  // Adds the answer to the participant's counters and remembers it.
  void RecordAnswer(db::WriteTx& tx, const std::string& match_id, const std::string& user_id,
                    const std::string& puzzle_id, bool correct, int64_t score,
                    int64_t time_taken_ms);

  // Matches `user_id` joined, newest first; `status` "" for any. The key
  // of a position is the join time in microseconds, its id the match id.
  std::vector<std::pair<v1::Match, int64_t>> ListFor(
      db::ReadTx& tx, const std::string& user_id, const std::string& status,
      const std::optional<api::KeysetPosition>& after, int limit);
};

}  // namespace qs::quest

#endif  // QS_QUEST_MATCH_STORE_H_
