// Glicko-2 ratings (Glickman, "Example of the Glicko-2 system", 2013) for
// players and puzzles: every rated attempt is one game between the user and
// the puzzle, the user winning when the answer is correct. Pure logic.
//
//   Rating user{1500, 350, 0.06}, puzzle{1700, 80, 0.06};
//   auto [new_user, new_puzzle] = RateAttempt(user, puzzle, /*user_won=*/true);
#ifndef QS_QUEST_RATING_H_
#define QS_QUEST_RATING_H_

#include <utility>
#include <vector>

namespace qs::quest {

struct Rating {
  double rating = 1500.0;    // Glicko scale
  double deviation = 350.0;  // RD
  double volatility = 0.06;  // sigma
};

struct GameResult {
  Rating opponent;
  double score;  // 1 win, 0.5 draw, 0 loss
};

// One rating period of `player` against `games` (tau = 0.5). With no games
// only the deviation grows.
Rating UpdateRating(const Rating& player, const std::vector<GameResult>& games);

// Both sides of one attempt: the user against the puzzle and back.
std::pair<Rating, Rating> RateAttempt(const Rating& user, const Rating& puzzle, bool user_won);

}  // namespace qs::quest

#endif  // QS_QUEST_RATING_H_
