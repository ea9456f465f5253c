// Pure rules of matches: request checks, the state machine and ranking.
// No I/O; unit-tested in tests/quest/match_rules_test.cc.
#ifndef QS_QUEST_MATCH_RULES_H_
#define QS_QUEST_MATCH_RULES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/quest/v1/matches.pb.h"

namespace qs::quest {

namespace v1 = ::quest::v1;

inline constexpr int kMaxMatchPuzzles = 10;
inline constexpr int kMaxGroupPlayers = 8;

// The match's max_players after defaults, or INVALID_ARGUMENT naming the field.
absl::StatusOr<int> ValidateCreateMatch(const v1::CreateMatchRequest& request);

// What a participant did so far; the inputs of ranking.
struct Standing {
  std::string user_id;
  int64_t score = 0;
  int64_t time_taken_ms = 0;
  bool left = false;
};

absl::Status CheckJoin(v1::MatchStatus status, int players, int max_players);
absl::Status CheckStart(v1::MatchStatus status, bool is_creator, int active_players);
absl::Status CheckAnswer(v1::MatchStatus status, bool is_active_participant, bool puzzle_in_match,
                         bool answered_before);
absl::Status CheckLeave(v1::MatchStatus status, bool is_active_participant);

// Ranks for `standings` (same order): players who stayed first, by score
// descending then time ascending; equal score and time share a rank (1, 2,
// 2, 4). Players who left rank after all who stayed, the same way.
std::vector<int> RankStandings(const std::vector<Standing>& standings);

// The user ranked first alone among those who stayed, or "" (tie, or none).
std::string WinnerOf(const std::vector<Standing>& standings, const std::vector<int>& ranks);

// The participant row of `user`, or nullptr.
const v1::MatchParticipant* ParticipantOf(const v1::Match& match, const std::string& user);
// Joined and not left.
bool IsActive(const v1::Match& match, const std::string& user);
int ActivePlayers(const v1::Match& match);
bool HasPuzzle(const v1::Match& match, const std::string& puzzle_id);

// What a match comes to after a change: nothing yet, cancelled (everybody
// left), or finished (every player still in answered every puzzle), with
// the ranks of all participants (RankStandings) and the winner (WinnerOf).
struct Settlement {
  enum Outcome { kNone, kCancel, kFinish };
  Outcome outcome = kNone;
  std::string winner_id;  // kFinish: "" on a tie
  std::vector<std::pair<std::string, int>>
      ranks;  // kFinish: (user, rank) per participant, in order
};
Settlement Settle(const v1::Match& match);

// What a change does to `match`, in memory, as MatchStore's writes do it
// in the database: a handler settles the match as its deferred writes will
// leave it, without reading it back first. Leaving a waiting match removes
// the participant; leaving a running one marks him as left.
void ApplyLeave(const std::string& user, v1::Match* match);
// Adds the answer to the participant's score and counters.
void ApplyAnswer(const std::string& user, bool correct, int64_t score, int64_t time_taken_ms,
                 v1::Match* match);

std::string MatchStatusCode(v1::MatchStatus status);
v1::MatchStatus MatchStatusFromCode(const std::string& code);
std::string MatchModeCode(v1::MatchMode mode);
v1::MatchMode MatchModeFromCode(const std::string& code);

}  // namespace qs::quest

#endif  // QS_QUEST_MATCH_RULES_H_
