#include "tests/bench/latency_sample.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qs::bench {

void LatencySample::Merge(const LatencySample& other) {
  nanos_.insert(nanos_.end(), other.nanos_.begin(), other.nanos_.end());
}

void LatencySample::SortIfNeeded() const {
  if (sorted_prefix_ == nanos_.size()) return;
  std::sort(nanos_.begin(), nanos_.end());
  sorted_prefix_ = nanos_.size();
}

absl::Duration LatencySample::Percentile(double q) const {
  if (nanos_.empty()) return absl::ZeroDuration();
  SortIfNeeded();
  q = std::clamp(q, 0.0, 1.0);
  // Nearest rank: the smallest value with at least q of the sample at or below it.
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(nanos_.size())));
  rank = std::max<size_t>(rank, 1);
  return absl::Nanoseconds(nanos_[rank - 1]);
}

absl::Duration LatencySample::Max() const {
  if (nanos_.empty()) return absl::ZeroDuration();
  return absl::Nanoseconds(*std::max_element(nanos_.begin(), nanos_.end()));
}

absl::Duration LatencySample::Mean() const {
  if (nanos_.empty()) return absl::ZeroDuration();
  const long double sum = std::accumulate(nanos_.begin(), nanos_.end(), 0.0L);
  return absl::Nanoseconds(static_cast<int64_t>(sum / nanos_.size()));
}

}  // namespace qs::bench
