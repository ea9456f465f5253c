// NodeBreaker's state machine with an injected clock: no I/O.
#include "common/db/node_breaker.h"

#include "gtest/gtest.h"

namespace qs::db {
namespace {

using Outcome = NodeBreaker::Outcome;

class NodeBreakerTest : public ::testing::Test {
 protected:
  NodeBreakerOptions Options() {
    NodeBreakerOptions options;
    options.node = "test-read";
    options.failure_threshold = 3;
    options.cool_down = absl::Seconds(1);
    options.probe_timeout = absl::Seconds(10);
    options.clock = [this] { return now_; };
    return options;
  }
  void Fail(NodeBreaker& breaker, int times) {
    for (int i = 0; i < times; ++i) {
      NodeBreaker::Ticket ticket = breaker.Admit();
      ASSERT_TRUE(ticket.admitted());
      breaker.Record(ticket, Outcome::kNodeFailure);
    }
  }

  absl::Time now_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(NodeBreakerTest, OpensAfterThresholdConsecutiveFailuresOnly) {
  NodeBreaker breaker(Options());
  Fail(breaker, 2);
  // An answer in between resets the count: failures must be consecutive.
  breaker.Record(breaker.Admit(), Outcome::kNodeAnswered);
  Fail(breaker, 2);
  EXPECT_EQ(breaker.Snapshot().state, BreakerState::kClosed);
  EXPECT_EQ(breaker.Snapshot().consecutive_failures, 2);
  now_ += absl::Milliseconds(5);
  Fail(breaker, 1);
  BreakerSnapshot open = breaker.Snapshot();
  EXPECT_EQ(open.state, BreakerState::kOpen);
  EXPECT_EQ(open.since, now_);
  EXPECT_EQ(open.consecutive_failures, 3);
  EXPECT_EQ(open.times_opened, 1u);
  EXPECT_FALSE(breaker.Admit().admitted());
  EXPECT_FALSE(breaker.WouldAdmit());
}

TEST_F(NodeBreakerTest, AbandonedCallsDoNotCount) {
  NodeBreaker breaker(Options());
  for (int i = 0; i < 10; ++i) breaker.Record(breaker.Admit(), Outcome::kAbandoned);
  EXPECT_EQ(breaker.Snapshot().state, BreakerState::kClosed);
  EXPECT_EQ(breaker.Snapshot().consecutive_failures, 0);
}

TEST_F(NodeBreakerTest, HalfOpenAfterCoolDownLetsOneProbeAtATime) {
  NodeBreaker breaker(Options());
  Fail(breaker, 3);
  now_ += absl::Milliseconds(999);
  EXPECT_FALSE(breaker.Admit().admitted());
  now_ += absl::Milliseconds(1);
  EXPECT_TRUE(breaker.WouldAdmit());
  NodeBreaker::Ticket probe = breaker.Admit();
  ASSERT_TRUE(probe.admitted());
  EXPECT_TRUE(probe.probe());
  EXPECT_EQ(breaker.Snapshot().state, BreakerState::kHalfOpen);
  // Others are refused while the probe is out.
  EXPECT_FALSE(breaker.Admit().admitted());
  EXPECT_FALSE(breaker.WouldAdmit());
  breaker.Record(probe, Outcome::kNodeAnswered);
  BreakerSnapshot closed = breaker.Snapshot();
  EXPECT_EQ(closed.state, BreakerState::kClosed);
  EXPECT_EQ(closed.since, now_);
  EXPECT_EQ(closed.consecutive_failures, 0);
  NodeBreaker::Ticket call = breaker.Admit();
  EXPECT_TRUE(call.admitted());
  EXPECT_FALSE(call.probe());
}

TEST_F(NodeBreakerTest, FailedProbeReopensForAnotherCoolDown) {
  NodeBreaker breaker(Options());
  Fail(breaker, 3);
  const absl::Time opened = now_;
  now_ += absl::Seconds(1);
  NodeBreaker::Ticket probe = breaker.Admit();
  ASSERT_TRUE(probe.probe());
  breaker.Record(probe, Outcome::kNodeFailure);
  BreakerSnapshot open = breaker.Snapshot();
  EXPECT_EQ(open.state, BreakerState::kOpen);
  // Still the same outage: since when it first opened.
  EXPECT_EQ(open.since, opened);
  EXPECT_EQ(open.times_opened, 1u);
  now_ += absl::Milliseconds(500);
  EXPECT_FALSE(breaker.Admit().admitted());
  now_ += absl::Milliseconds(500);
  EXPECT_TRUE(breaker.Admit().probe());
}

TEST_F(NodeBreakerTest, LateAnswersOfCallsAdmittedWhileClosedDoNotClose) {
  NodeBreaker breaker(Options());
  NodeBreaker::Ticket slow = breaker.Admit();
  Fail(breaker, 3);
  breaker.Record(slow, Outcome::kNodeAnswered);
  EXPECT_EQ(breaker.Snapshot().state, BreakerState::kOpen);
}

TEST_F(NodeBreakerTest, AbandonedProbeLetsTheNextCallProbe) {
  NodeBreaker breaker(Options());
  Fail(breaker, 3);
  now_ += absl::Seconds(1);
  NodeBreaker::Ticket probe = breaker.Admit();
  breaker.Record(probe, Outcome::kAbandoned);
  EXPECT_EQ(breaker.Snapshot().state, BreakerState::kHalfOpen);
  EXPECT_TRUE(breaker.Admit().probe());
}

TEST_F(NodeBreakerTest, ProbeThatNeverReportsIsReplacedAfterProbeTimeout) {
  NodeBreaker breaker(Options());
  Fail(breaker, 3);
  now_ += absl::Seconds(1);
  NodeBreaker::Ticket lost = breaker.Admit();
  ASSERT_TRUE(lost.probe());
  now_ += absl::Seconds(9);
  EXPECT_FALSE(breaker.Admit().admitted());
  now_ += absl::Seconds(1);
  NodeBreaker::Ticket second = breaker.Admit();
  ASSERT_TRUE(second.probe());
  // The replaced probe's late report is ignored; the live one decides.
  breaker.Record(lost, Outcome::kNodeAnswered);
  EXPECT_EQ(breaker.Snapshot().state, BreakerState::kHalfOpen);
  breaker.Record(second, Outcome::kNodeAnswered);
  EXPECT_EQ(breaker.Snapshot().state, BreakerState::kClosed);
}

TEST_F(NodeBreakerTest, StateNames) {
  EXPECT_EQ(BreakerStateName(BreakerState::kClosed), "closed");
  EXPECT_EQ(BreakerStateName(BreakerState::kHalfOpen), "half-open");
  EXPECT_EQ(BreakerStateName(BreakerState::kOpen), "open");
}

}  // namespace
}  // namespace qs::db
