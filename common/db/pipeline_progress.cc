#include "common/db/pipeline_progress.h"

namespace qs::db {

void PipelineProgress::Sample(absl::Time now, absl::Duration stall_after) {
  if (idle()) {
    head_ = kNone;
  } else if (head_ != answered_) {
    head_ = answered_;  // A new head: its clock starts now.
    head_since_ = now;
  } else if (now - head_since_ >= stall_after) {
    stalled_head_ = head_;
  }

  // Idle since this sample unless it was idle at the last one with nothing
  // sent in between.
  if (!idle()) {
    idle_since_ = absl::InfiniteFuture();
  } else if (idle_since_ == absl::InfiniteFuture() || sent_ != sent_at_last_sample_) {
    idle_since_ = now;
  }
  sent_at_last_sample_ = sent_;
}

absl::Duration PipelineProgress::IdleFor(absl::Time now) const {
  if (!idle() || idle_since_ == absl::InfiniteFuture() || now < idle_since_) {
    return absl::ZeroDuration();
  }
  return now - idle_since_;
}

}  // namespace qs::db
