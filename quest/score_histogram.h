// How many leaderboard rows hold each score, as of when it was read: answers
// "how many rows score above s" in O(log distinct scores). Pure logic.
//
//   ScoreHistogram histogram({{900, 1}, {500, 3}, {100, 2}});  // any order
//   histogram.CountAbove(500);   // {1, 4}: one row above, four at or above
#ifndef QS_QUEST_SCORE_HISTOGRAM_H_
#define QS_QUEST_SCORE_HISTOGRAM_H_

#include <cstdint>
#include <utility>
#include <vector>

namespace qs::quest {

class ScoreHistogram {
 public:
  // (score, rows with that score) pairs; a score may repeat (counts add up).
  explicit ScoreHistogram(std::vector<std::pair<int64_t, int64_t>> score_counts);

  // Rows with a score > `score`, and with a score >= `score`.
  std::pair<int64_t, int64_t> CountAbove(int64_t score) const;

  int64_t rows() const { return at_or_above_.empty() ? 0 : at_or_above_.back(); }

 private:
  std::vector<int64_t> scores_;       // distinct, descending
  std::vector<int64_t> at_or_above_;  // rows with a score >= scores_[i]
};

}  // namespace qs::quest

#endif  // QS_QUEST_SCORE_HISTOGRAM_H_
