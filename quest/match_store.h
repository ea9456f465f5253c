// All SQL for `matches`, `match_participants` and `match_answers`: the one
// place where their columns map to quest.v1.Match. libpqxx exceptions
// propagate to Database::Read/Write.
#ifndef QS_QUEST_MATCH_STORE_H_
#define QS_QUEST_MATCH_STORE_H_

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

class MatchStore {
 public:
  // Inserts the match and its creator as the first participant; returns the id.
  std::string Create(db::WriteTx& tx, const std::string& creator_id, v1::MatchMode mode,
                     int max_players, const std::vector<std::string>& puzzle_ids);

  // The match with its participants. NOT_FOUND when no such match. Lock
  // takes the match row for update: every change to a match and its
  // participants happens under that lock.
  absl::StatusOr<v1::Match> Get(db::ReadTx& tx, const std::string& id);
  absl::StatusOr<v1::Match> Lock(db::WriteTx& tx, const std::string& id);

  void AddParticipant(db::WriteTx& tx, const std::string& match_id, const std::string& user_id);
  void RemoveParticipant(db::WriteTx& tx, const std::string& match_id, const std::string& user_id);
  void MarkLeft(db::WriteTx& tx, const std::string& match_id, const std::string& user_id);
  void Start(db::WriteTx& tx, const std::string& match_id);
  void Cancel(db::WriteTx& tx, const std::string& match_id);
  void Finish(db::WriteTx& tx, const std::string& match_id, const std::string& winner_id,
              const std::vector<std::pair<std::string, int>>& ranks);

  bool AnsweredBefore(db::WriteTx& tx, const std::string& match_id, const std::string& user_id,
                      const std::string& puzzle_id);
  // Milliseconds since the match started, by the database clock.
  int64_t ElapsedMs(db::WriteTx& tx, const std::string& match_id);
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
