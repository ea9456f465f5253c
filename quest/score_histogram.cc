#include "quest/score_histogram.h"

#include <algorithm>
#include <functional>

namespace qs::quest {

ScoreHistogram::ScoreHistogram(std::vector<std::pair<int64_t, int64_t>> score_counts) {
  std::sort(score_counts.begin(), score_counts.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  int64_t total = 0;
  for (const auto& [score, count] : score_counts) {
    total += count;
    if (!scores_.empty() && scores_.back() == score) {
      at_or_above_.back() = total;
    } else {
      scores_.push_back(score);
      at_or_above_.push_back(total);
    }
  }
}

std::pair<int64_t, int64_t> ScoreHistogram::CountAbove(int64_t score) const {
  // First distinct score <= `score` (scores_ is descending).
  const size_t i =
      std::lower_bound(scores_.begin(), scores_.end(), score, std::greater<>()) - scores_.begin();
  const int64_t above = i == 0 ? 0 : at_or_above_[i - 1];
  const bool present = i < scores_.size() && scores_[i] == score;
  return {above, present ? at_or_above_[i] : above};
}

}  // namespace qs::quest
