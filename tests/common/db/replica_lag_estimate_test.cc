// The replica's lag bound from samples of both nodes: an idle system is not
// lagging however long since the last commit, paused replay under writes
// lags by the time since the replica last caught up, a steady write stream
// is measured by the replay timestamp, and without the primary the
// replica-only estimate applies.
#include "common/db/replica_lag_estimate.h"

#include <optional>

#include "gtest/gtest.h"

namespace qs::db {
namespace {

// Monotonic times as seconds from an arbitrary origin; the primary's clock
// is the same seconds plus 1e9 (it has its own epoch).
constexpr double kPrimaryEpoch = 1e9;

PrimarySample Primary(double at_seconds, uint64_t flush_lsn) {
  return {.taken_at = absl::Seconds(at_seconds),
          .flush_lsn = flush_lsn,
          .clock_seconds = kPrimaryEpoch + at_seconds};
}

ReplicaSample Replica(double at_seconds, uint64_t replay_lsn,
                      std::optional<double> last_commit_at_seconds = std::nullopt,
                      uint64_t receive_lsn = 0) {
  ReplicaSample sample{.answered_at = absl::Seconds(at_seconds),
                       .replay_lsn = replay_lsn,
                       .receive_lsn = receive_lsn == 0 ? replay_lsn : receive_lsn,
                       .clock_seconds = kPrimaryEpoch + at_seconds};
  if (last_commit_at_seconds)
    sample.replay_timestamp_seconds = kPrimaryEpoch + *last_commit_at_seconds;
  return sample;
}

TEST(ReplicaLagEstimateTest, IdleSystemIsNotLaggingHoweverOldTheLastCommit) {
  ReplicaLagEstimate estimate;
  // The last commit was an hour ago; nothing written since.
  for (double t = 3600; t < 3610; t += 0.2) {
    const absl::Duration lag = estimate.Update(Primary(t, 500), Replica(t + 0.001, 500, 0.0));
    EXPECT_LE(lag, absl::Milliseconds(1)) << "at " << t;
  }
  EXPECT_EQ(estimate.history_size(), 1u);
}

TEST(ReplicaLagEstimateTest, PausedReplayUnderWritesLagsSinceItLastCaughtUp) {
  ReplicaLagEstimate estimate;
  // Caught up at t=10 (both at 1000), then the primary keeps writing and
  // the replica stays at 1000; commits every 0.2 s stamped at their time.
  EXPECT_LE(estimate.Update(Primary(10, 1000), Replica(10.001, 1000, 9.9)), absl::Milliseconds(1));
  absl::Duration lag;
  for (int i = 1; i <= 10; ++i) {
    const double t = 10 + 0.2 * i;
    lag = estimate.Update(Primary(t, 1000 + 100 * i), Replica(t + 0.001, 1000, 9.9));
  }
  // At 12.001 the replica holds what the primary had at 10 (and the commit
  // of 9.9): the bound is 2.001 s.
  EXPECT_EQ(lag, absl::Seconds(2.001));
  // Resumed: it replays up to what the primary had at 11.0.
  lag = estimate.Update(Primary(12.2, 2100), Replica(12.201, 1500, 11.0));
  EXPECT_NEAR(absl::ToDoubleSeconds(lag), 1.201, 1e-9);
  // Caught up with the latest sample.
  lag = estimate.Update(Primary(12.4, 2200), Replica(12.401, 2200, 12.39));
  EXPECT_LE(lag, absl::Milliseconds(1));
  EXPECT_EQ(estimate.history_size(), 1u);
}

TEST(ReplicaLagEstimateTest, SteadyWritesAreMeasuredByTheReplayTimestamp) {
  ReplicaLagEstimate estimate;
  estimate.Update(Primary(0, 100), Replica(0.001, 100, 0));
  // Each round the primary is a little ahead (the replica trails by ~5 ms),
  // so history alone would say "a whole interval"; the last replayed commit
  // is 5 ms old.
  absl::Duration lag;
  for (int i = 1; i <= 5; ++i) {
    const double t = 0.2 * i;
    lag =
        estimate.Update(Primary(t, 100 + 10 * i), Replica(t + 0.001, 100 + 10 * i - 1, t - 0.005));
  }
  // Epoch seconds in a double are exact to ~0.2 us.
  EXPECT_NEAR(absl::ToDoubleSeconds(lag), 0.006, 1e-6);
}

TEST(ReplicaLagEstimateTest, UnknownUntilTheReplicaPassesASampledPosition) {
  ReplicaLagEstimate estimate;
  // First sample: the replica is behind and has replayed no commit since
  // it started: no bound.
  EXPECT_EQ(estimate.Update(Primary(0, 1000), Replica(0.001, 900)), absl::InfiniteDuration());
  // It passes the first sampled position.
  EXPECT_NEAR(absl::ToDoubleSeconds(estimate.Update(Primary(0.2, 1100), Replica(0.201, 1000))),
              0.201, 1e-9);
}

TEST(ReplicaLagEstimateTest, WithoutThePrimaryTheReplicaOnlyEstimateApplies) {
  ReplicaLagEstimate estimate;
  // Replayed all it received: as fresh as it can be while the primary is away.
  EXPECT_EQ(estimate.Update(std::nullopt, Replica(5, 700, 1.0, 700)), absl::ZeroDuration());
  // More received than replayed: the age of its last replayed commit.
  EXPECT_EQ(estimate.Update(std::nullopt, Replica(5, 700, 1.0, 800)), absl::Seconds(4));
  // Nothing to go by.
  EXPECT_EQ(estimate.Update(std::nullopt, Replica(5, 700, std::nullopt, 800)),
            absl::InfiniteDuration());
}

TEST(ReplicaLagEstimateTest, HistoryIsBounded) {
  ReplicaLagEstimate estimate;
  // Replay stuck at 0 forever.
  for (size_t i = 0; i < ReplicaLagEstimate::kMaxHistory + 100; ++i) {
    const double t = 0.2 * static_cast<double>(i);
    estimate.Update(Primary(t, 10 + i), Replica(t + 0.001, 0));
  }
  EXPECT_EQ(estimate.history_size(), ReplicaLagEstimate::kMaxHistory);
}

}  // namespace
}  // namespace qs::db
