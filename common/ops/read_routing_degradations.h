// The degradation source of a service's database routing (degradations.h):
// "db:reads" while reads are on the primary (or fail, DB_READ_FALLBACK=fail)
// because the replica is down or lags, "db:write" while the write node's
// breaker is open. Health stays SERVING for the first; the second is the
// readiness probe's business (NOT_SERVING), listed for the operator too.
//
//   context.ReportDegradations(ops::ReadRoutingDegradations(database));
//
//   degradations { component: "db:reads"
//                  detail: "reads on primary: replica down since 2026-12-02T00:31:07Z" }
#ifndef QS_COMMON_OPS_READ_ROUTING_DEGRADATIONS_H_
#define QS_COMMON_OPS_READ_ROUTING_DEGRADATIONS_H_

#include <vector>

#include "common/db/read_router.h"
#include "common/ops/degradations.h"

namespace qs::db {
class Database;
}  // namespace qs::db

namespace qs::ops {

// The degradations a routing status shows (pure: for tests).
std::vector<Degradation> DegradationsOf(const db::ReadRoutingStatus& status);

// A source reading `database`'s routing status; `database` must outlive it.
DegradationSource ReadRoutingDegradations(const db::Database& database);

}  // namespace qs::ops

#endif  // QS_COMMON_OPS_READ_ROUTING_DEGRADATIONS_H_
