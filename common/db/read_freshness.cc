#include "common/db/read_freshness.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/base/call_context.h"
#include "common/db/lsn.h"
#include "pqxx/nontransaction"
#include "spdlog/spdlog.h"

namespace qs::db {
namespace {

constexpr absl::Duration kSampleInterval = absl::Milliseconds(200);
constexpr absl::Duration kWaitPollInterval = absl::Milliseconds(2);
// The sampler's connects: a dead node must not hold the loop for
// DB_CONNECT_TIMEOUT_MS (libpq's minimum is 2 s).
constexpr absl::Duration kSamplerConnectTimeout = absl::Seconds(2);
// And once connected: a node that stops answering (blackholed, not closed)
// must not hold a sampler query, or shutdown, for the kernel's TCP
// retransmission timeout (~15 min). Both queries take well under a ms.
constexpr char kSamplerSessionLimits[] =
    " options='-c statement_timeout=2000' tcp_user_timeout=5000";
// An x-min-lsn further than this past the newest position known (the
// primary's last sampled flush LSN, or the replica's replay LSN) was not
// issued by this primary a moment ago: bogus or from another cluster. Its
// read goes straight to the primary instead of holding a worker for
// DB_READ_LSN_WAIT_MS. 16 MB is one WAL segment, far more than a primary
// writes between two samples under this project's load.
constexpr uint64_t kMaxLsnAheadOfSample = uint64_t{16} << 20;

// CLOCK_MONOTONIC_COARSE: ~10 ns to read (no vDSO clock arithmetic), a few
// ms of resolution, which is plenty against lag bounds of 100s of ms. The
// hot path and the sampler use the same clock.
int64_t CoarseNowNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

absl::Duration CoarseNow() { return absl::Nanoseconds(CoarseNowNs()); }

// A standby's replay position; on a node that is not in recovery (the read
// node is the primary under another address, or a promoted replica) its own
// insert position, which has everything it committed. (CASE evaluates only
// the branch taken: pg_current_wal_insert_lsn() fails during recovery.)
constexpr char kReplayLsnSql[] =
    "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
    " ELSE pg_current_wal_insert_lsn() END::text";

absl::StatusOr<uint64_t> LsnField(const pqxx::field& field, absl::string_view what) {
  if (field.is_null()) return absl::UnavailableError(absl::StrCat(what, " is null"));
  return ParseLsn(field.c_str());
}

}  // namespace

struct ReadFreshness::Sampler {
  std::string primary_conninfo;
  std::string replica_conninfo;
  std::unique_ptr<pqxx::connection> primary;
  std::unique_ptr<pqxx::connection> replica;
  ReplicaLagEstimate estimate;
};

ReadFreshness::ReadFreshness(const config::DbConfig& config, const std::string& service)
    : sampling_(config.read_host != config.host || config.read_port != config.port),
      max_lag_(config.read_max_lag),
      lsn_wait_(config.read_lsn_wait),
      service_(service),
      // Lagging until the first sample says otherwise.
      stale_after_ns_(CoarseNowNs() - 1),
      loop_(kSampleInterval, [this] { Tick(); }) {
  if (!sampling_) return;
  config::DbConfig sampler_config = config;
  sampler_config.connect_timeout = std::min(config.connect_timeout, kSamplerConnectTimeout);
  const std::string name = service + "-freshness";
  sampler_ = std::make_unique<Sampler>();
  sampler_->primary_conninfo = absl::StrCat(
      sampler_config.ConnectionString(config.host, config.port, name), kSamplerSessionLimits);
  sampler_->replica_conninfo =
      absl::StrCat(sampler_config.ConnectionString(config.read_host, config.read_port, name),
                   kSamplerSessionLimits);
  // The first round here, before the loop's thread exists: the first reads
  // are routed on a real position instead of "lagging until sampled" (a few
  // ms at start-up; at most the two connect timeouts when a node is
  // unreachable).
  Tick();
  loop_.Start();
}

ReadFreshness::~ReadFreshness() { loop_.Stop(); }

bool ReadFreshness::ReplicaWithinLagBound() const {
  // A bound of 0: no replica is ever fresh enough; every read on the primary.
  if (max_lag_ <= absl::ZeroDuration()) return false;
  return CoarseNowNs() <= stale_after_ns_.load(std::memory_order_relaxed);
}

bool ReadFreshness::ReplicaMayServe(Wait wait) {
  if (!sampling_) return true;
  const bool fresh = ReplicaWithinLagBound();
  const base::CallContext* call = base::CurrentCall();
  if (call == nullptr || !call->min_lsn) return fresh;
  const uint64_t needed = *call->min_lsn;
  bool on_replica = false;
  if (fresh) {
    on_replica = replay_lsn_.load(std::memory_order_acquire) >= needed;
    if (!on_replica && wait == Wait::kMayWait && lsn_wait_ > absl::ZeroDuration() &&
        !FarBeyondKnownPositions(needed)) {
      min_lsn_waits_.fetch_add(1, std::memory_order_relaxed);
      on_replica = WaitForReplay(needed);
    }
  }
  (on_replica ? min_lsn_on_replica_ : min_lsn_on_primary_).fetch_add(1, std::memory_order_relaxed);
  return on_replica;
}

bool ReadFreshness::FarBeyondKnownPositions(uint64_t lsn) const {
  const uint64_t known = std::max(primary_lsn_.load(std::memory_order_relaxed),
                                  replay_lsn_.load(std::memory_order_relaxed));
  return lsn > known && lsn - known > kMaxLsnAheadOfSample;
}

bool ReadFreshness::WaitForReplay(uint64_t lsn) {
  waiters_.fetch_add(1, std::memory_order_acq_rel);
  loop_.WakeNow();
  bool replayed;
  {
    std::unique_lock<std::mutex> lock(wait_mutex_);
    replayed = replayed_.wait_for(lock, absl::ToChronoNanoseconds(lsn_wait_), [&] {
      return replay_lsn_.load(std::memory_order_acquire) >= lsn;
    });
  }
  waiters_.fetch_sub(1, std::memory_order_acq_rel);
  return replayed;
}

void ReadFreshness::RecordCommit(uint64_t commit_lsn) {
  if (commit_lsn == 0) return;
  base::CallContext* call = base::CurrentCall();
  if (call == nullptr) return;
  call->commit_lsn = std::max(call->commit_lsn, commit_lsn);
}

void ReadFreshness::Tick() {
  if (!sampled_once_) {
    sampled_once_ = true;
    // The first round may catch the replica a moment behind a commit, with
    // no earlier primary sample to bound its lag by, only the age of its
    // last replayed commit (large after an idle spell): look again at once
    // rather than report, and hold reads for, a lag that is not there.
    SampleRound(/*log_changes=*/false);
    if (!ReplicaWithinLagBound()) {
      std::this_thread::sleep_for(absl::ToChronoNanoseconds(kWaitPollInterval * 5));
      SampleRound(/*log_changes=*/true);
    }
  } else {
    SampleRound(/*log_changes=*/true);
  }
  // Someone waits for an LSN: poll the replay position until nobody does
  // (each wait lasts at most DB_READ_LSN_WAIT_MS). Full rounds go on at
  // their interval meanwhile: under steady x-min-lsn traffic there may be a
  // waiter at every moment, and without them the lag bound would age out
  // and send every read to the primary.
  absl::Duration last_round = CoarseNow();
  while (waiters_.load(std::memory_order_acquire) > 0 && !loop_.StopRequested() &&
         sampler_->replica != nullptr) {
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(kWaitPollInterval));
    if (CoarseNow() - last_round >= kSampleInterval) {
      SampleRound(/*log_changes=*/true);
      last_round = CoarseNow();
    } else {
      PollReplay();
    }
  }
}

void ReadFreshness::Publish(uint64_t replay_lsn) {
  replay_lsn_.store(replay_lsn, std::memory_order_release);
  if (waiters_.load(std::memory_order_acquire) == 0) return;
  // Taking the mutex orders the store before a waiter's predicate check or
  // after its sleep began, so the notification is not lost.
  { std::lock_guard<std::mutex> lock(wait_mutex_); }
  replayed_.notify_all();
}

void ReadFreshness::PollReplay() {
  Sampler& sampler = *sampler_;
  try {
    pqxx::nontransaction tx(*sampler.replica);
    absl::StatusOr<uint64_t> lsn = LsnField(tx.exec1(kReplayLsnSql)[0], "replay LSN");
    if (lsn.ok()) Publish(*lsn);
  } catch (const std::exception& e) {
    // The next round reconnects and says what failed.
    spdlog::debug("{}: replay poll failed: {}", service_, e.what());
    sampler.replica.reset();
  }
}

void ReadFreshness::SampleRound(bool log_changes) {
  Sampler& sampler = *sampler_;
  std::string error;
  std::optional<PrimarySample> primary;
  try {
    if (sampler.primary == nullptr) {
      sampler.primary = std::make_unique<pqxx::connection>(sampler.primary_conninfo);
    }
    PrimarySample sample;
    sample.taken_at = CoarseNow();
    pqxx::nontransaction tx(*sampler.primary);
    const pqxx::row row = tx.exec1(
        "SELECT pg_current_wal_flush_lsn()::text, extract(epoch from clock_timestamp())::float8");
    absl::StatusOr<uint64_t> flush = LsnField(row[0], "primary flush LSN");
    if (!flush.ok()) throw std::runtime_error(std::string(flush.status().message()));
    sample.flush_lsn = *flush;
    primary_lsn_.store(*flush, std::memory_order_relaxed);
    sample.clock_seconds = row[1].as<double>();
    primary = sample;
  } catch (const std::exception& e) {
    // Without the primary the replica-only estimate applies (see
    // replica_lag_estimate.h): with the primary down, its replica is as
    // fresh as data gets.
    sampler.primary.reset();
    error = absl::StrCat("primary: ", e.what());
  }

  std::optional<absl::Duration> lag;
  uint64_t replay_lsn = 0;
  try {
    if (sampler.replica == nullptr) {
      sampler.replica = std::make_unique<pqxx::connection>(sampler.replica_conninfo);
    }
    pqxx::nontransaction tx(*sampler.replica);
    const pqxx::row row = tx.exec1(
        "SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
        " ELSE pg_current_wal_insert_lsn() END::text, pg_last_wal_receive_lsn()::text,"
        " extract(epoch from pg_last_xact_replay_timestamp())::float8,"
        " extract(epoch from clock_timestamp())::float8");
    ReplicaSample sample;
    sample.answered_at = CoarseNow();
    absl::StatusOr<uint64_t> replay = LsnField(row[1], "replay LSN");
    if (!replay.ok()) throw std::runtime_error(std::string(replay.status().message()));
    sample.replay_lsn = replay_lsn = *replay;
    if (!row[0].as<bool>()) {
      lag = absl::ZeroDuration();  // Not a standby: it has all it committed.
    } else {
      absl::StatusOr<uint64_t> receive = LsnField(row[2], "receive LSN");
      sample.receive_lsn = receive.ok() ? *receive : 0;  // Null before streaming began.
      if (!row[3].is_null()) sample.replay_timestamp_seconds = row[3].as<double>();
      sample.clock_seconds = row[4].as<double>();
      lag = sampler.estimate.Update(primary, sample);
    }
    Publish(replay_lsn);
    if (*lag != absl::InfiniteDuration()) {
      stale_after_ns_.store(absl::ToInt64Nanoseconds(sample.answered_at + max_lag_ - *lag),
                            std::memory_order_relaxed);
    }
  } catch (const std::exception& e) {
    sampler.replica.reset();
    lag.reset();
    error = error.empty() ? absl::StrCat("replica: ", e.what())
                          : absl::StrCat(error, "; replica: ", e.what());
  }

  bool first_failure = false;
  bool recovered = false;
  {
    std::lock_guard<std::mutex> lock(stats_mutex_);
    ++samples_;
    if (lag) {
      position_ = {.known = true, .lag = *lag, .replay_lsn = replay_lsn, .sampled_at = absl::Now()};
    }
    if (!error.empty()) {
      ++failed_samples_;
      first_failure = last_error_.empty();
    } else {
      recovered = !last_error_.empty();
    }
    last_error_ = error;
  }
  // Logged once per change, not per round.
  if (!log_changes) return;
  if (first_failure) {
    spdlog::warn("{}: replica lag sampling failing: {}", service_, error);
  } else if (recovered) {
    spdlog::info("{}: replica lag sampling works again", service_);
  }
  const bool held = !ReplicaWithinLagBound();
  if (held != held_logged_) {
    held_logged_ = held;
    if (held) {
      spdlog::warn("{}: reads on primary: replica lag {} over the {} bound", service_,
                   lag ? absl::FormatDuration(*lag) : std::string("unknown"),
                   absl::FormatDuration(max_lag_));
    } else {
      spdlog::info("{}: replica within the {} lag bound again: reads back on it", service_,
                   absl::FormatDuration(max_lag_));
    }
  }
}

ReplicaPosition ReadFreshness::Position() const {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  return position_;
}

FreshnessStats ReadFreshness::Stats() const {
  FreshnessStats stats;
  stats.sampling = sampling_;
  stats.max_lag = max_lag_;
  stats.min_lsn_on_replica = min_lsn_on_replica_.load(std::memory_order_relaxed);
  stats.min_lsn_on_primary = min_lsn_on_primary_.load(std::memory_order_relaxed);
  stats.min_lsn_waits = min_lsn_waits_.load(std::memory_order_relaxed);
  if (sampling_) {
    const int64_t now_ns = CoarseNowNs();
    const int64_t stale_after_ns = stale_after_ns_.load(std::memory_order_relaxed);
    if (now_ns > stale_after_ns) {
      stats.held_on_primary = true;
      stats.held_since = absl::Now() - absl::Nanoseconds(now_ns - stale_after_ns);
    }
  }
  std::lock_guard<std::mutex> lock(stats_mutex_);
  stats.position = position_;
  stats.samples = samples_;
  stats.failed_samples = failed_samples_;
  stats.last_error = last_error_;
  return stats;
}

}  // namespace qs::db
