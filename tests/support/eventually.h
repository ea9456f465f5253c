// Polling for a condition that becomes true a little later (the replica
// catching up, a server answering, a lock replayed), with a bound.
//
//   ASSERT_TRUE(Eventually([&] { return RowsOnReplica() == 3; }));
#ifndef QS_TESTS_SUPPORT_EVENTUALLY_H_
#define QS_TESTS_SUPPORT_EVENTUALLY_H_

#include <chrono>
#include <functional>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace qs::testing {

// Polls `predicate` every 20 ms until it holds or `timeout` passes; returns
// its last value (checked once more at the end).
inline bool Eventually(const std::function<bool()>& predicate,
                       absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return predicate();
}

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_EVENTUALLY_H_
