#include "common/ops/read_routing_degradations.h"

#include "absl/strings/str_cat.h"
#include "common/db/database.h"

namespace qs::ops {

std::vector<Degradation> DegradationsOf(const db::ReadRoutingStatus& status) {
  std::vector<Degradation> now;
  if (!status.detail.empty()) now.push_back({"db:reads", status.detail});
  if (status.primary.breaker.state != db::BreakerState::kClosed) {
    now.push_back(
        {"db:write", absl::StrCat("write node ", status.primary.node, " unreachable since ",
                                  db::Rfc3339(status.primary.breaker.since))});
  }
  return now;
}

DegradationSource ReadRoutingDegradations(const db::Database& database) {
  return [&database] { return DegradationsOf(database.RoutingStatus()); };
}

}  // namespace qs::ops
