// All SQL for `puzzle_attempts` and `user_progress` (the puzzle's side of
// an attempt is puzzle_store.h's). The one place where those snake_case
// columns map to quest.v1.Attempt / UserProgress. libpqxx
// exceptions propagate to Database::Read/Write.
#ifndef QS_QUEST_ATTEMPT_STORE_H_
#define QS_QUEST_ATTEMPT_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/api/keyset_position.h"
#include "common/db/transaction.h"
#include "proto/quest/v1/attempts.pb.h"
#include "quest/attempt_rules.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

// A user's progress as stored.
struct ProgressRow : Progress {
  std::string user_id;
};

class AttemptStore {
 public:
  v1::Attempt Insert(db::WriteTx& tx, const std::string& user_id, const std::string& puzzle_id);
  // NOT_FOUND when no such attempt. Locks the attempt row.
  absl::StatusOr<v1::Attempt> LockAttempt(db::WriteTx& tx, const std::string& id);
  // Whether `user_id` submitted another attempt at `puzzle_id` before.
  bool SubmittedBefore(db::WriteTx& tx, const std::string& user_id, const std::string& puzzle_id,
                       const std::string& except_attempt_id);
  // Milliseconds since the attempt started, by the database clock.
  int64_t ElapsedMs(db::WriteTx& tx, const std::string& attempt_id);
  // Records the verdict.
  v1::Attempt Finish(db::WriteTx& tx, const std::string& attempt_id, bool correct,
                     int64_t time_taken_ms, int64_t score, bool rated, double rating_before,
                     double rating_after);

  // The user's progress row, created with defaults if missing, locked.
  ProgressRow LockProgress(db::WriteTx& tx, const std::string& user_id);
  void SaveProgress(db::WriteTx& tx, const ProgressRow& progress);
  // Defaults (no attempts yet) when the user has no row.
  ProgressRow GetProgress(db::ReadTx& tx, const std::string& user_id);

  std::vector<v1::Attempt> List(db::ReadTx& tx, const std::string& user_id,
                                const std::optional<api::KeysetPosition>& after, int limit);
};

}  // namespace qs::quest

#endif  // QS_QUEST_ATTEMPT_STORE_H_
