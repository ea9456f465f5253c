// Small steps both drill fixtures take (compose_drill_dev_stack.cc,
// compose_drill_scale_out.cc), reporting problems as gtest failures of the
// case that calls them.
#ifndef QS_TESTS_DEPLOY_DRILL_CHECKS_H_
#define QS_TESTS_DEPLOY_DRILL_CHECKS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace qs::drill {

// psql -At rows, one per line; a failed query is a test failure and no rows.
std::vector<std::string> Rows(const absl::StatusOr<std::string>& output);

// The single number a `SELECT count(*)` printed; -1 (and a test failure)
// otherwise.
int64_t Count(const absl::StatusOr<std::string>& output);

// `podman stop -t 30` of each container at once (one thread each): the
// moment an operator stops several nodes. How long each stop took; a stop
// that fails is a test failure.
std::map<std::string, absl::Duration> StopAll(const std::vector<std::string>& containers);

}  // namespace qs::drill

#endif  // QS_TESTS_DEPLOY_DRILL_CHECKS_H_
