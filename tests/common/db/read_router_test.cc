// ReadRouter's decisions with an injected clock: no I/O.
#include "common/db/read_router.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qs::db {
namespace {

using Outcome = NodeBreaker::Outcome;
using ::testing::HasSubstr;

class ReadRouterTest : public ::testing::Test {
 protected:
  ReadRouterOptions Options(config::ReadFallback fallback = config::ReadFallback::kPrimary) {
    ReadRouterOptions options;
    options.replica = "svc-read (127.0.0.1:2)";
    options.primary = "svc-write (127.0.0.1:1)";
    options.fallback = fallback;
    options.failure_threshold = 3;
    options.cool_down = absl::Seconds(1);
    options.clock = [this] { return now_; };
    return options;
  }
  // Reads that reach the replica and fail to connect, until it opens.
  void TakeReplicaDown(ReadRouter& router) {
    for (int i = 0; i < 3; ++i) {
      ReadRouter::Route route = router.Choose([] { return true; });
      ASSERT_EQ(route.node, ReadNode::kReplica);
      router.Record(route, Outcome::kNodeFailure);
    }
  }

  absl::Time now_ = absl::FromUnixSeconds(1'796'000'000);  // 2026-11-29T...
};

TEST_F(ReadRouterTest, FreshReplicaServesStaleOneSendsToPrimaryInBothModes) {
  for (auto fallback : {config::ReadFallback::kPrimary, config::ReadFallback::kFail}) {
    ReadRouter router(Options(fallback));
    ReadRouter::Route fresh = router.Choose([] { return true; });
    EXPECT_TRUE(fresh.refusal.ok());
    EXPECT_EQ(fresh.node, ReadNode::kReplica);
    ReadRouter::Route stale = router.Choose([] { return false; });
    EXPECT_TRUE(stale.refusal.ok());
    EXPECT_EQ(stale.node, ReadNode::kPrimary);
    ReadRoutingStatus status = router.Status();
    EXPECT_EQ(status.reads_on_replica, 1u);
    EXPECT_EQ(status.reads_on_primary_total, 1u);
    EXPECT_EQ(status.stale_reads, 1u);
    EXPECT_EQ(status.fallbacks, 0u);
    EXPECT_FALSE(status.reads_on_primary);
    EXPECT_EQ(status.detail, "");
  }
}

TEST_F(ReadRouterTest, OpenReplicaSendsReadsToPrimaryWithoutAskingFreshness) {
  ReadRouter router(Options());
  TakeReplicaDown(router);
  const absl::Time down_since = now_;
  now_ += absl::Milliseconds(500);
  bool asked = false;
  ReadRouter::Route route = router.Choose([&] {
    asked = true;
    return true;
  });
  EXPECT_FALSE(asked);
  EXPECT_TRUE(route.refusal.ok());
  EXPECT_EQ(route.node, ReadNode::kPrimary);
  ReadRoutingStatus status = router.Status();
  EXPECT_EQ(status.fallbacks, 1u);
  EXPECT_TRUE(status.reads_on_primary);
  EXPECT_EQ(status.reason, PrimaryReadsReason::kReplicaDown);
  EXPECT_EQ(status.reads_on_primary_since, down_since);
  EXPECT_EQ(status.replica.breaker.state, BreakerState::kOpen);
  EXPECT_EQ(status.primary.breaker.state, BreakerState::kClosed);
  EXPECT_EQ(status.detail, "reads on primary: replica down since " + Rfc3339(down_since));
  EXPECT_THAT(status.detail, HasSubstr("T"));
  EXPECT_EQ(status.detail.back(), 'Z');
}

TEST_F(ReadRouterTest, FailModeRefusesNamingTheReplicaWhileItIsDown) {
  ReadRouter router(Options(config::ReadFallback::kFail));
  TakeReplicaDown(router);
  ReadRouter::Route route = router.Choose([] { return true; });
  EXPECT_EQ(route.refusal.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(route.refusal.message(), HasSubstr("svc-read (127.0.0.1:2) unreachable since"));
  EXPECT_THAT(route.refusal.message(), HasSubstr("DB_READ_FALLBACK=fail"));
  EXPECT_EQ(router.Status().refused, 1u);
  EXPECT_THAT(router.Status().detail, HasSubstr("reads fail: replica down since"));
}

// A replica down longer than DB_READ_MAX_LAG_MS also reports "not fresh":
// that must not turn fail mode's refusal into a stale read on the primary.
TEST_F(ReadRouterTest, FailModeRefusesADownReplicaEvenWhenFreshnessSaysStale) {
  ReadRouter router(Options(config::ReadFallback::kFail));
  TakeReplicaDown(router);
  now_ += absl::Milliseconds(500);  // Open, within the cool-down.
  bool asked = false;
  ReadRouter::Route route = router.Choose([&] {
    asked = true;
    return false;
  });
  EXPECT_FALSE(asked);
  EXPECT_EQ(route.refusal.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(route.refusal.message(), HasSubstr("DB_READ_FALLBACK=fail"));
  ReadRoutingStatus status = router.Status();
  EXPECT_EQ(status.refused, 1u);
  EXPECT_EQ(status.stale_reads, 0u);
  EXPECT_EQ(status.reads_on_primary_total, 0u);
}

TEST_F(ReadRouterTest, PrimaryModeCountsADownStaleReplicaAsAFallbackNotAStaleRead) {
  ReadRouter router(Options());
  TakeReplicaDown(router);
  ReadRouter::Route route = router.Choose([] { return false; });
  EXPECT_TRUE(route.refusal.ok());
  EXPECT_EQ(route.node, ReadNode::kPrimary);
  EXPECT_EQ(router.Status().fallbacks, 1u);
  EXPECT_EQ(router.Status().stale_reads, 0u);
}

// Past the cool-down the freshness check is asked for the probe: a stale
// replica gives the probe back untried and the read goes to the primary;
// once fresh, the next call probes it.
TEST_F(ReadRouterTest, StaleProbeIsGivenBackAndTheNextCallProbesAgain) {
  ReadRouter router(Options(config::ReadFallback::kFail));
  TakeReplicaDown(router);
  now_ += absl::Seconds(1);
  int asked = 0;
  ReadRouter::Route stale = router.Choose([&] {
    ++asked;
    return false;
  });
  EXPECT_EQ(asked, 1);
  EXPECT_TRUE(stale.refusal.ok());
  EXPECT_EQ(stale.node, ReadNode::kPrimary);
  EXPECT_EQ(router.Status().stale_reads, 1u);
  EXPECT_EQ(router.Status().replica.breaker.state, BreakerState::kHalfOpen);
  ReadRouter::Route probe = router.Choose([] { return true; });
  EXPECT_EQ(probe.node, ReadNode::kReplica);
  EXPECT_TRUE(probe.ticket.probe());
  router.Record(probe, Outcome::kNodeAnswered);
  EXPECT_EQ(router.Status().replica.breaker.state, BreakerState::kClosed);
}

TEST_F(ReadRouterTest, RetryAfterAReplicaConnectionFailure) {
  ReadRouter primary_mode(Options());
  ReadRouter::Route retry =
      primary_mode.RetryOnPrimary(absl::UnavailableError("connection refused"));
  EXPECT_TRUE(retry.refusal.ok());
  EXPECT_EQ(retry.node, ReadNode::kPrimary);
  EXPECT_EQ(primary_mode.Status().retries_on_primary, 1u);

  ReadRouter fail_mode(Options(config::ReadFallback::kFail));
  ReadRouter::Route refused =
      fail_mode.RetryOnPrimary(absl::UnavailableError("connection refused"));
  EXPECT_EQ(refused.refusal.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.refusal.message(), HasSubstr("svc-read (127.0.0.1:2)"));
  EXPECT_THAT(refused.refusal.message(), HasSubstr("connection refused"));
}

TEST_F(ReadRouterTest, HalfOpenProbeGoesToTheReplicaOthersToThePrimaryUntilItCloses) {
  ReadRouter router(Options());
  TakeReplicaDown(router);
  now_ += absl::Seconds(1);
  ReadRouter::Route probe = router.Choose([] { return true; });
  EXPECT_EQ(probe.node, ReadNode::kReplica);
  EXPECT_TRUE(probe.ticket.probe());
  EXPECT_EQ(router.Choose([] { return true; }).node, ReadNode::kPrimary);
  router.Record(probe, Outcome::kNodeAnswered);
  EXPECT_EQ(router.Choose([] { return true; }).node, ReadNode::kReplica);
  EXPECT_FALSE(router.Status().reads_on_primary);
}

TEST_F(ReadRouterTest, BothDownRefusesReadsAndWritesNamingTheWriteNode) {
  ReadRouter router(Options());
  TakeReplicaDown(router);
  for (int i = 0; i < 3; ++i) {
    ReadRouter::Route write = router.ForPrimary();
    ASSERT_TRUE(write.refusal.ok());
    router.Record(write, Outcome::kNodeFailure);
  }
  ReadRouter::Route read = router.Choose([] { return true; });
  EXPECT_EQ(read.refusal.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(read.refusal.message(), HasSubstr("write node svc-write (127.0.0.1:1) unreachable"));
  ReadRouter::Route write = router.ForPrimary();
  EXPECT_EQ(write.refusal.code(), absl::StatusCode::kUnavailable);
  // Only the read counts as refused.
  EXPECT_EQ(router.Status().refused, 1u);
  // A refused route records nothing.
  router.Record(write, Outcome::kNodeAnswered);
  EXPECT_EQ(router.Status().primary.breaker.state, BreakerState::kOpen);
}

TEST_F(ReadRouterTest, OutcomesOfStatuses) {
  EXPECT_EQ(OutcomeOf(absl::UnavailableError("x")), Outcome::kNodeFailure);
  EXPECT_EQ(OutcomeOf(absl::OkStatus()), Outcome::kNodeAnswered);
  EXPECT_EQ(OutcomeOf(absl::NotFoundError("x")), Outcome::kNodeAnswered);
  EXPECT_EQ(OutcomeOf(absl::InternalError("x")), Outcome::kNodeAnswered);
  EXPECT_EQ(OutcomeOf(absl::DeadlineExceededError("x")), Outcome::kAbandoned);
  EXPECT_EQ(OutcomeOf(absl::ResourceExhaustedError("x")), Outcome::kAbandoned);
}

TEST_F(ReadRouterTest, Rfc3339InUtc) {
  EXPECT_EQ(Rfc3339(absl::FromUnixSeconds(1764635467)), "2025-12-02T00:31:07Z");
}

}  // namespace
}  // namespace qs::db
