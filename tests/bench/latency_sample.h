// Every latency of a benchmark run, kept exactly: percentiles are read from
// the sorted sample, not from buckets. A run of a million calls costs 8 MB.
//
//   LatencySample sample;
//   sample.Record(absl::Microseconds(850));
//   sample.Percentile(0.99);   // the 99th percentile (nearest rank)
#ifndef QS_TESTS_BENCH_LATENCY_SAMPLE_H_
#define QS_TESTS_BENCH_LATENCY_SAMPLE_H_

#include <cstdint>
#include <vector>

#include "absl/time/time.h"

namespace qs::bench {

class LatencySample {
 public:
  void Record(absl::Duration latency) { nanos_.push_back(absl::ToInt64Nanoseconds(latency)); }
  void Merge(const LatencySample& other);

  int64_t count() const { return static_cast<int64_t>(nanos_.size()); }
  // Nearest-rank percentile, q in [0, 1]; zero for an empty sample.
  absl::Duration Percentile(double q) const;
  absl::Duration Max() const;
  absl::Duration Mean() const;

 private:
  void SortIfNeeded() const;

  mutable std::vector<int64_t> nanos_;
  mutable size_t sorted_prefix_ = 0;
};

}  // namespace qs::bench

#endif  // QS_TESTS_BENCH_LATENCY_SAMPLE_H_
