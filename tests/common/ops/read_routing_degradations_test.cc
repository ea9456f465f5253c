// What Diagnostics lists for a routing status: no I/O.
#include "common/ops/read_routing_degradations.h"

#include "gtest/gtest.h"

namespace qs::ops {
namespace {

TEST(ReadRoutingDegradationsTest, NothingWhileTheReplicaServes) {
  EXPECT_TRUE(DegradationsOf(db::ReadRoutingStatus()).empty());
}

TEST(ReadRoutingDegradationsTest, ReadsOnPrimaryAndWriteNodeDown) {
  db::ReadRoutingStatus status;
  status.detail = "reads on primary: replica down since 2026-12-02T00:31:07Z";
  status.primary.node = "quest-write (127.0.0.1:5432)";
  status.primary.breaker.state = db::BreakerState::kOpen;
  status.primary.breaker.since = absl::FromUnixSeconds(1764635467);
  std::vector<Degradation> now = DegradationsOf(status);
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[0].component, "db:reads");
  EXPECT_EQ(now[0].detail, status.detail);
  EXPECT_EQ(now[1].component, "db:write");
  EXPECT_EQ(now[1].detail,
            "write node quest-write (127.0.0.1:5432) unreachable since 2025-12-02T00:31:07Z");
}

}  // namespace
}  // namespace qs::ops
