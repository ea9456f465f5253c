// Pure rules for puzzles: request validation, the status life cycle, who
// may see and play a puzzle, answer checks and difficulty bands (no I/O,
// unit-tested alone in tests/quest/puzzle_rules_test.cc).
//
//   DRAFT --publish--> PUBLISHED --archive--> ARCHIVED
//     \_____________archive______________/
#ifndef QS_QUEST_PUZZLE_RULES_H_
#define QS_QUEST_PUZZLE_RULES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/quest/v1/puzzles.pb.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

inline constexpr size_t kMaxTitleBytes = 200;
inline constexpr size_t kMaxContentBytes = 64 * 1024;
inline constexpr size_t kMaxSolutionBytes = 4 * 1024;
inline constexpr int kMaxThemes = 10;
inline constexpr size_t kMaxThemeBytes = 32;
inline constexpr int kMinRating = 100;
inline constexpr int kMaxRating = 4000;
inline constexpr size_t kMaxAnswerBytes = 4 * 1024;

absl::Status ValidateCreate(const v1::CreatePuzzleRequest& request);
absl::Status ValidateUpdate(const v1::UpdatePuzzleRequest& request);
absl::Status ValidateList(const v1::ListPuzzlesRequest& request);

// Drafts are private: to anyone but their author they do not exist.
bool VisibleTo(v1::PuzzleStatus status, const std::string& author_id, const std::string& user);

// OK when `user` may start playing the puzzle: NOT_FOUND for another
// author's draft, FAILED_PRECONDITION unless published.
absl::Status CheckPlayable(const std::string& puzzle_id, v1::PuzzleStatus status,
                           const std::string& author_id, const std::string& user);

// An answer is right when it equals the solution, surrounding white space
// aside. Answers are at most kMaxAnswerBytes ("answer" names the field).
absl::Status ValidateAnswer(const std::string& answer);
bool AnswerMatches(absl::string_view answer, absl::string_view solution);

// The rating window of a difficulty band, relative to the player's rating:
// the next puzzle is chosen in [rating + low, rating + high].
struct RatingWindow {
  int low;
  int high;
};
RatingWindow WindowOf(v1::DifficultyBand band);

// FAILED_PRECONDITION unless `from` may become `to`.
absl::Status CheckTransition(v1::PuzzleStatus from, v1::PuzzleStatus to);

// Applies the set fields of `request` to `puzzle` (and `solution`); the
// request must have passed ValidateUpdate.
void ApplyUpdate(const v1::UpdatePuzzleRequest& request, v1::Puzzle& puzzle, std::string& solution);

// Database codes of the enums ("logic", "draft", ...).
std::string KindCode(v1::PuzzleKind kind);
v1::PuzzleKind KindFromCode(const std::string& code);
std::string StatusCode(v1::PuzzleStatus status);
v1::PuzzleStatus StatusFromCode(const std::string& code);

}  // namespace qs::quest

#endif  // QS_QUEST_PUZZLE_RULES_H_
