// All SQL that writes `puzzles` and `daily_puzzles`, and every read of them,
// over the router's transactions: the one place where their snake_case
// columns map to quest.v1.Puzzle. (Each quest table has one owning store:
// puzzles and daily_puzzles here, puzzle_attempts and user_progress in
// attempt_store.h, matches/match_participants/match_answers in
// match_store.h, leaderboard_scores in leaderboard_store.h. A read may join
// another store's table when one statement answers the question, as NextFor
// does with puzzle_attempts; writes never cross.) libpqxx exceptions
// propagate to Database::Read/Write, which turn them into absl::Status.
#ifndef QS_QUEST_PUZZLE_STORE_H_
#define QS_QUEST_PUZZLE_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/api/keyset_position.h"
#include "common/db/async_read_pool.h"
#include "common/db/async_rows.h"
#include "common/db/database.h"
#include "common/db/transaction.h"
#include "proto/quest/v1/puzzles.pb.h"
#include "quest/puzzle_rules.h"
#include "quest/rating.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

// A puzzle with what players never see.
struct StoredPuzzle {
  v1::Puzzle puzzle;
  std::string solution;
};

// What playing a puzzle needs: who may, the answer, the rating to update.
struct PuzzleForPlay {
  std::string id;
  std::string author_id;
  v1::PuzzleStatus status = v1::PUZZLE_STATUS_UNSPECIFIED;
  std::string solution;
  Rating rating;
  // The database clock when read (Unix microseconds).
  int64_t read_at_micros = 0;
};

struct FeedQuery {
  std::string status;     // "published", or "draft" with author_id set
  std::string author_id;  // empty: any author
  int min_rating = 0;     // 0: unbounded
  int max_rating = 0;
  std::string theme;  // empty: any
  // After (created_at, id) of the previous page's last puzzle.
  std::optional<api::KeysetPosition> after;
  int limit = 20;
};

class PuzzleStore {
 public:
  // The hot reads (Get, GetAsync, ListAsync), registered once per
  // connection (see ServiceDefinition).
  static std::vector<db::PreparedStatement> PreparedStatements();

  // Inserts `puzzle` (id, version and timestamps are assigned) and returns it.
  StoredPuzzle Create(db::WriteTx& tx, const StoredPuzzle& puzzle);

  // NOT_FOUND when no such id.
  absl::StatusOr<StoredPuzzle> Get(db::ReadTx& tx, const std::string& id);
  // Get on the async read path (common/db/async_read_pool.h): the lookups of
  // concurrent callers go out as one statement. `done` runs on the read
  // path's loop thread and must not block.
  static void GetAsync(db::AsyncReadPool& reads, const std::string& id, absl::Time deadline,
                       std::function<void(absl::StatusOr<StoredPuzzle>)> done);
  // The row locked until the transaction ends.
  absl::StatusOr<StoredPuzzle> GetForUpdate(db::WriteTx& tx, const std::string& id);

  // Writes the editable fields, bumps version, returns the new state.
  StoredPuzzle Update(db::WriteTx& tx, const StoredPuzzle& puzzle);

  // The feed page `query` asks for, newest first (created_at, then id,
  // descending), on the async read path. `done` runs on the read path's
  // loop thread and must not block.
  static void ListAsync(db::AsyncReadPool& reads, const FeedQuery& query, absl::Time deadline,
                        db::RowsDone<v1::Puzzle> done);

  // The puzzle chosen for `day` ("YYYY-MM-DD"); NOT_FOUND while none is.
  absl::StatusOr<v1::Puzzle> DailyPuzzle(db::ReadTx& tx, const std::string& day);
  // Chooses the puzzle of `day` unless chosen already: a published puzzle
  // never chosen before, picked by a hash of (id, day). Losing a race to
  // another chooser is fine: the caller reads whatever won.
  void ChooseDailyPuzzle(db::WriteTx& tx, const std::string& day);

  // The puzzle as play sees it, NOT_FOUND when no such id. Never locks the
  // puzzle's row: every player of the daily puzzle would queue on it.
  absl::StatusOr<PuzzleForPlay> ReadForPlay(db::WriteTx& tx, const std::string& id);
  // Appends a play (deferred); the period job folds plays into play_count
  // (puzzle_period_job.h), so GetPuzzle's count trails by up to
  // PUZZLE_PLAYS_FOLD_SECONDS.
  void CountPlay(db::WriteTx& tx, const std::string& id);
  // Appends a rated game against the puzzle, as the puzzle's side sees it
  // (deferred), for the puzzle's next rating period.
  void RecordRatingResult(db::WriteTx& tx, const std::string& id, const std::string& attempt_id,
                          const GameResult& game);
  // Stores the Glicko-2 rating (deferred); the public rating is its whole
  // number, clamped to the allowed range.
  void SetRating(db::WriteTx& tx, const std::string& id, const Rating& rating);
  // How many of `ids` are published puzzles.
  int64_t CountPublished(db::WriteTx& tx, const std::vector<std::string>& ids);

  // The published puzzle `user_id` never started whose rating is within
  // [user rating + window.low, user rating + window.high] (user rating 1500
  // when unknown) and closest to its middle; `theme` empty for any.
  // NOT_FOUND when there is none.
  absl::StatusOr<v1::Puzzle> NextFor(db::ReadTx& tx, const std::string& user_id,
                                     const std::string& theme, RatingWindow window);
};

}  // namespace qs::quest

#endif  // QS_QUEST_PUZZLE_STORE_H_
