// All SQL for `puzzle_attempts` and `user_progress` (the puzzle's side of
// an attempt is puzzle_store.h's, but for the submit's one read, which
// joins the puzzle). The one place where those snake_case
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
#include "quest/puzzle_store.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

// A user's progress as stored.
struct ProgressRow : Progress {
  std::string user_id;
};

// Everything a submit decides on, read in one statement (LoadSubmission).
struct SubmissionFacts {
  v1::Attempt attempt;   // locked
  PuzzleForPlay puzzle;  // not locked: a submit never waits on the puzzle's row
  ProgressRow progress;  // the submitter's, created with defaults if missing, locked
  // Whether the submitter submitted another attempt at the puzzle before.
  bool submitted_before = false;
  // Milliseconds since the attempt started, and now (Unix microseconds),
  // both by the database clock.
  int64_t elapsed_ms = 0;
  int64_t now_micros = 0;
};

class AttemptStore {
 public:
  // Deferred (WriteTx::Defer): the attempt, with an id made here and
  // `started_at_micros` (the database clock, read by the caller), is
  // returned as it will be stored.
  v1::Attempt Insert(db::WriteTx& tx, const std::string& user_id, const std::string& puzzle_id,
                     int64_t started_at_micros);
  // One round trip: locks the attempt and the submitter's progress row and
  // reads the attempt's puzzle. NOT_FOUND when no such attempt (or puzzle).
  absl::StatusOr<SubmissionFacts> LoadSubmission(db::WriteTx& tx, const std::string& attempt_id,
                                                 const std::string& submitter_id);
  // NOT_FOUND when no such attempt. Locks the attempt row.
  absl::StatusOr<v1::Attempt> LockAttempt(db::WriteTx& tx, const std::string& id);
  // Whether `user_id` submitted another attempt at `puzzle_id` before.
  bool SubmittedBefore(db::WriteTx& tx, const std::string& user_id, const std::string& puzzle_id,
                       const std::string& except_attempt_id);
  // Milliseconds since the attempt started, by the database clock.
  int64_t ElapsedMs(db::WriteTx& tx, const std::string& attempt_id);
  // Records the verdict of `started`, submitted at `submitted_at_micros`
  // (deferred); returns the attempt as it will be stored.
  v1::Attempt Finish(db::WriteTx& tx, const v1::Attempt& started, bool correct,
                     int64_t time_taken_ms, int64_t score, bool rated, double rating_before,
                     double rating_after, int64_t submitted_at_micros);

  // The user's progress row, created with defaults if missing, locked.
  ProgressRow LockProgress(db::WriteTx& tx, const std::string& user_id);
  // Deferred.
  void SaveProgress(db::WriteTx& tx, const ProgressRow& progress);
  // Defaults (no attempts yet) when the user has no row.
  ProgressRow GetProgress(db::ReadTx& tx, const std::string& user_id);

  std::vector<v1::Attempt> List(db::ReadTx& tx, const std::string& user_id,
                                const std::optional<api::KeysetPosition>& after, int limit);
};

}  // namespace qs::quest

#endif  // QS_QUEST_ATTEMPT_STORE_H_
