// All SQL for the `puzzles` table, over the router's transactions. The one
// place where its snake_case columns map to quest.v1.Puzzle. libpqxx
// exceptions propagate to Database::Read/Write, which turn them into
// absl::Status.
#ifndef QS_QUEST_PUZZLE_STORE_H_
#define QS_QUEST_PUZZLE_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/api/keyset_position.h"
#include "common/db/database.h"
#include "common/db/transaction.h"
#include "proto/quest/v1/puzzles.pb.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

// A puzzle with what players never see.
struct StoredPuzzle {
  v1::Puzzle puzzle;
  std::string solution;
};


struct FeedQuery {
  std::string status;        // "published", or "draft" with author_id set
  std::string author_id;     // empty: any author
  int min_rating = 0;        // 0: unbounded
  int max_rating = 0;
  std::string theme;         // empty: any
  // After (created_at, id) of the previous page's last puzzle.
  std::optional<api::KeysetPosition> after;
  int limit = 20;
};

class PuzzleStore {
 public:
  // Get, prepared once per connection (see ServiceDefinition).
  static std::vector<db::PreparedStatement> PreparedStatements();

  // Inserts `puzzle` (id, version and timestamps are assigned) and returns it.
  StoredPuzzle Create(db::WriteTx& tx, const StoredPuzzle& puzzle);

  // NOT_FOUND when no such id.
  absl::StatusOr<StoredPuzzle> Get(db::ReadTx& tx, const std::string& id);
  // The row locked until the transaction ends.
  absl::StatusOr<StoredPuzzle> GetForUpdate(db::WriteTx& tx, const std::string& id);

  // Writes the editable fields, bumps version, returns the new state.
  StoredPuzzle Update(db::WriteTx& tx, const StoredPuzzle& puzzle);

  std::vector<v1::Puzzle> List(db::ReadTx& tx, const FeedQuery& query);

  // The puzzle chosen for `day` ("YYYY-MM-DD"), if one was chosen yet.
  std::optional<v1::Puzzle> DailyPuzzle(db::ReadTx& tx, const std::string& day);
  // Chooses the puzzle of `day` unless chosen already: a published puzzle
  // never chosen before, picked by a hash of (id, day). Losing a race to
  // another chooser is fine: the caller reads whatever won.
  void ChooseDailyPuzzle(db::WriteTx& tx, const std::string& day);

  // The published puzzle `user_id` never started whose rating is within
  // [user rating + low_offset, user rating + high_offset] (user rating 1500
  // when unknown) and closest to its middle; `theme` empty for any.
  std::optional<v1::Puzzle> NextFor(db::ReadTx& tx, const std::string& user_id,
                                             const std::string& theme, int low_offset,
                                             int high_offset);
};

// created_at of a puzzle as microseconds since the epoch (feed positions).
int64_t CreatedAtMicros(const v1::Puzzle& puzzle);

}  // namespace qs::quest

#endif  // QS_QUEST_PUZZLE_STORE_H_
