// Whether a pipelined connection is stalled (the statement at the head of
// its pipeline has been there too long) or idle, from counts alone: a
// statement costs two increments, no clock read. A periodic tick (Sample)
// supplies the time.
//
//   PipelineProgress progress;
//   progress.OnSent(); ... progress.OnAnswered();           // per statement
//   progress.Sample(absl::Now(), absl::Milliseconds(100));  // every tick
//   if (progress.stalled()) { /* send nothing more here */ }
//
// A pipeline answers in send order, so the head is the statement the server
// is on (or the one it will start next, once the one before it ends). It
// counts as stalled once it has been the head for `stall_after`, measured
// from the first sample that saw it there: never before it really has, at
// most one tick late. Statements merely queued behind a moving head are not
// a stall (that is load, and LeastBusyConnection spreads it). An answer ends
// the stall at once (stalled() compares counts); the next head starts its
// own clock.
//
// Not thread-safe: one owner (the loop thread).
#ifndef QS_COMMON_DB_PIPELINE_PROGRESS_H_
#define QS_COMMON_DB_PIPELINE_PROGRESS_H_

#include <cstdint>
#include <limits>

#include "absl/time/time.h"

namespace qs::db {

class PipelineProgress {
 public:
  void OnSent() { ++sent_; }
  void OnAnswered() { ++answered_; }

  // Nothing out.
  bool idle() const { return sent_ == answered_; }
  // The head had been the head for `stall_after` at the last Sample and has
  // not been answered since.
  bool stalled() const { return answered_ == stalled_head_ && !idle(); }

  void Sample(absl::Time now, absl::Duration stall_after);

  // How long, as of `now`, nothing has been out and nothing sent (to the
  // resolution of the samples); zero when something is out.
  absl::Duration IdleFor(absl::Time now) const;

 private:
  static constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();
  uint64_t sent_ = 0;
  uint64_t answered_ = 0;
  // The head at the last sample (its number: the count answered before it),
  // kNone when idle, and when it was first seen there.
  uint64_t head_ = kNone;
  absl::Time head_since_ = absl::InfinitePast();
  uint64_t stalled_head_ = kNone;
  uint64_t sent_at_last_sample_ = 0;
  absl::Time idle_since_ = absl::InfiniteFuture();
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_PIPELINE_PROGRESS_H_
