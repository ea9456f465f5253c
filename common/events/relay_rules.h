// The outbox relay's pure decisions (relay.h), no I/O, unit-tested alone:
// in which waves a batch is published, which rows of a published batch may
// be marked, how long to back off, and the publish rate over the last
// minute.
//
//   for (const std::vector<size_t>& wave : PlanWaves(rows)) { ...publish... }
//   std::vector<std::string> marked = IdsToMark(rows, acks);
//   absl::Duration pause = NextBackoff(pause, settings.relay_retry_max);
#ifndef QS_COMMON_EVENTS_RELAY_RULES_H_
#define QS_COMMON_EVENTS_RELAY_RULES_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/events/outbox_claims.h"

namespace qs::events {

// Splits a claimed batch (`rows`, oldest first) into publish waves of row
// indexes: wave k holds the k-th row of each aggregate, in batch order. The
// relay publishes a wave only after the previous one's acks, so no two
// messages of one aggregate are ever unacked at once: were they, a
// connection drop could lose the first (on the socket) while libnats'
// reconnect buffer delivers the second, and the stream would hold them out
// of order.
std::vector<std::vector<size_t>> PlanWaves(const std::vector<OutboxRow>& rows);

// The ids of `rows` (oldest first) to mark published, given each row's
// publish outcome (`acks[i]` for `rows[i]`): every acked row, except those
// after a failed row of the same aggregate (in waves they were not even
// sent). Those stay unpublished and go out after the failed one in a later
// round, so no row is marked before an older row of its aggregate.
std::vector<std::string> IdsToMark(const std::vector<OutboxRow>& rows,
                                   const std::vector<absl::Status>& acks);

// The first pause after a failure.
inline constexpr absl::Duration kFirstBackoff = absl::Milliseconds(50);

// The pause after another failure: doubled from `previous` (zero: the
// first failure), never above `max`.
absl::Duration NextBackoff(absl::Duration previous, absl::Duration max);

// Events per second over the last `window`, from per-second counts.
// Not thread-safe (the relay guards it).
class RateWindow {
 public:
  explicit RateWindow(absl::Duration window = absl::Seconds(60)) : window_(window) {}

  void Add(absl::Time now, int64_t count);
  double PerSecond(absl::Time now);

 private:
  void Expire(absl::Time now);

  const absl::Duration window_;
  // (whole second since the epoch, count in it), oldest first.
  std::deque<std::pair<int64_t, int64_t>> seconds_;
  int64_t total_ = 0;
};

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_RELAY_RULES_H_
