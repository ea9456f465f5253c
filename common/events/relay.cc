#include "common/events/relay.h"

#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/periodic_loop.h"
#include "common/events/nats_connection.h"
#include "common/events/outbox_claims.h"
#include "common/events/outbox_doorbell.h"
#include "common/events/relay_listener.h"
#include "common/events/relay_publisher.h"
#include "common/events/relay_rules.h"
#include "spdlog/spdlog.h"

namespace qs::events {
namespace {

// Published rows are pruned this often (and once at start), in statements of
// kPruneBatch rows so no statement holds many locks or runs long.
constexpr absl::Duration kPruneInterval = absl::Minutes(5);
constexpr int kPruneBatch = 5000;
// How soon rows held back behind another relay's round are claimed again.
constexpr absl::Duration kHeldBackRecheck = absl::Milliseconds(10);

// The test hook of relay.h: kill -9 between the publish acks and the commit.
bool CrashAfterPublishRequested() {
  const char* value = std::getenv("EVENTS_TEST_CRASH_AFTER_PUBLISH");
  return value != nullptr && std::string(value) == "1";
}

}  // namespace

class OutboxRelay::Impl {
 public:
  Impl(std::string service, const EventStreamSettings& settings, db::Database& database,
       std::string listen_conninfo)
      : service_(std::move(service)),
        settings_(settings),
        names_(settings.name_space),
        database_(database),
        crash_after_publish_(CrashAfterPublishRequested()),
        listener_(std::move(listen_conninfo), [this] { Wake(/*connected=*/false); }),
        pruner_(kPruneInterval, [this] { Prune(); }) {}

  ~Impl() { Stop(); }

  void Start() {
    std::lock_guard<std::mutex> lock(lifecycle_mutex_);
    if (thread_.joinable() || stopped_) return;
    if (crash_after_publish_) {
      spdlog::warn("outbox relay: test hook EVENTS_TEST_CRASH_AFTER_PUBLISH=1 is on");
    }
    thread_ = std::thread([this] { Run(); });
    // Events this process appends wake the relay at their commit
    // (outbox_doorbell.h); the LISTEN hears everyone else's.
    doorbell_token_ = OutboxDoorbell::Process().Subscribe([this] { Wake(/*connected=*/false); });
    listener_.Start();
    pruner_.Start();
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(lifecycle_mutex_);
    stopped_ = true;
    if (doorbell_token_.has_value()) OutboxDoorbell::Process().Unsubscribe(*doorbell_token_);
    doorbell_token_.reset();
    listener_.Stop();
    pruner_.Stop();
    {
      std::lock_guard<std::mutex> wake_lock(wake_mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    // libnats may still run a queued reconnected callback after the close:
    // detach it first (SetOnConnected waits for one running), then close.
    if (nats_owner_ != nullptr) nats_owner_->SetOnConnected(nullptr);
    publisher_.reset();
    {
      std::lock_guard<std::mutex> nats_lock(nats_mutex_);
      nats_.reset();
    }
    nats_owner_.reset();
  }

  std::optional<std::string> Degraded() const {
    std::shared_ptr<NatsConnection> nats = SharedNats();
    std::lock_guard<std::mutex> lock(status_mutex_);
    if (failing_since_.has_value()) {
      return absl::StrCat(
          last_error_, " (since ",
          absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *failing_since_, absl::UTCTimeZone()), ")");
    }
    // Between rounds the relay may not have tried yet: the connection says.
    if (nats != nullptr && !nats->IsConnected()) {
      return "NATS unreachable at " + settings_.nats_url;
    }
    return std::nullopt;
  }

  void FillStatus(::ops::v1::EventStreamStatus& status) const {
    std::shared_ptr<NatsConnection> nats = SharedNats();
    status.set_relay_connected(nats != nullptr && nats->IsConnected());
    absl::StatusOr<OutboxDepth> depth = database_.ReadFromPrimary(
        [](db::ReadTx& tx) { return absl::StatusOr<OutboxDepth>(ReadOutboxDepth(tx)); });
    if (depth.ok()) {
      status.set_outbox_depth(depth->unpublished);
      status.set_oldest_unpublished_age_seconds(absl::ToDoubleSeconds(depth->oldest_age));
    }
    status.set_published(published_.load());
    std::lock_guard<std::mutex> lock(status_mutex_);
    status.set_publish_rate_per_second(rate_.PerSecond(absl::Now()));
    if (!last_error_.empty()) {
      status.set_relay_last_error(last_error_);
    } else if (!depth.ok()) {
      status.set_relay_last_error(std::string(depth.status().message()));
    }
  }

 private:
  std::shared_ptr<NatsConnection> SharedNats() const {
    std::lock_guard<std::mutex> lock(nats_mutex_);
    return nats_;
  }

  // `connected`: NATS came (back) up, so also end a back-off and set the
  // stream up again (the broker may have lost it).
  void Wake(bool connected) {
    {
      std::lock_guard<std::mutex> lock(wake_mutex_);
      notified_ = true;
      if (connected) {
        reconnected_ = true;
        ensure_stream_.store(true);
      }
    }
    wake_.notify_all();
  }

  // Waits `pause`, or less when stopped, NATS reconnects, or (when
  // `on_notify`) an outbox commit was notified.
  void Pause(absl::Duration pause, bool on_notify) {
    std::unique_lock<std::mutex> lock(wake_mutex_);
    wake_.wait_for(lock, absl::ToChronoNanoseconds(pause),
                   [&] { return stop_ || reconnected_ || (on_notify && notified_); });
  }

  bool StopRequested() {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    return stop_;
  }

  void Run() {
    absl::Duration backoff = absl::ZeroDuration();
    while (!StopRequested()) {
      {
        // Cleared before the rounds: a commit notified during them makes
        // the pause below end at once.
        std::lock_guard<std::mutex> lock(wake_mutex_);
        notified_ = false;
        reconnected_ = false;
      }
      absl::Status status = RunRoundsWhileFull();
      if (status.ok()) {
        RecordSuccess();
        backoff = absl::ZeroDuration();
        Pause(settings_.relay_poll_interval, /*on_notify=*/true);
      } else {
        RecordFailure(status);
        backoff = NextBackoff(backoff, settings_.relay_retry_max);
        Pause(backoff, /*on_notify=*/false);
      }
    }
  }

  absl::Status RunRoundsWhileFull() {
    while (!StopRequested()) {
      absl::StatusOr<RoundOutcome> round = RunRound();
      if (!round.ok()) return round.status();
      if (round->full) continue;
      // Rows held back for an older row of their aggregate in another
      // relay's round: that round ends soon, and nothing else (no NOTIFY)
      // would bring them back before the poll.
      if (round->held_back) {
        Pause(kHeldBackRecheck, /*on_notify=*/false);
        continue;
      }
      return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  absl::Status EnsureNats() {
    if (nats_owner_ == nullptr) {
      absl::StatusOr<std::unique_ptr<NatsConnection>> nats =
          NatsConnection::Connect(settings_.nats_url, service_ + "-relay");
      if (!nats.ok()) return nats.status();
      absl::StatusOr<std::unique_ptr<OutboxPublisher>> publisher =
          OutboxPublisher::Create(**nats, settings_.relay_batch_size);
      if (!publisher.ok()) return publisher.status();
      (*nats)->SetOnConnected([this] { Wake(/*connected=*/true); });
      nats_owner_ = *std::move(nats);
      publisher_ = *std::move(publisher);
      std::lock_guard<std::mutex> lock(nats_mutex_);
      nats_ = nats_owner_;
    }
    if (!nats_owner_->IsConnected()) {
      return absl::UnavailableError("NATS unreachable at " + settings_.nats_url);
    }
    if (ensure_stream_.exchange(false)) {
      absl::Status ensured = nats_owner_->EnsureStream(names_.Stream(service_),
                                                       names_.StreamSubjects(service_), settings_);
      if (!ensured.ok()) {
        ensure_stream_.store(true);
        return ensured;
      }
    }
    return absl::OkStatus();
  }

  struct RoundOutcome {
    // The claim was full and published something: more rows may wait.
    bool full = false;
    // Some claimed rows waited for an older row of their aggregate.
    bool held_back = false;
  };

  // One round (relay.h).
  absl::StatusOr<RoundOutcome> RunRound() {
    if (absl::Status ready = EnsureNats(); !ready.ok()) return ready;
    int locked = 0;
    size_t ready = 0;
    size_t marked = 0;
    absl::Status publish_error;
    absl::Status written = database_.Write([&](db::WriteTx& tx) -> absl::Status {
      ClaimedBatch batch = ClaimUnpublished(tx, settings_.relay_batch_size);
      locked = batch.locked;
      ready = batch.rows.size();
      if (batch.rows.empty()) return absl::OkStatus();
      std::vector<absl::Status> acks = PublishInWaves(batch.rows);
      for (const absl::Status& ack : acks) {
        if (!ack.ok()) {
          publish_error = ack;
          break;
        }
      }
      if (crash_after_publish_ && publish_error.ok()) {
        std::fprintf(stderr, "outbox relay: EVENTS_TEST_CRASH_AFTER_PUBLISH: SIGKILL\n");
        std::fflush(stderr);
        raise(SIGKILL);
      }
      std::vector<std::string> ids = IdsToMark(batch.rows, acks);
      MarkPublished(tx, ids);
      marked = ids.size();
      return absl::OkStatus();
    });
    // A failed commit marks nothing: those rows are sent again later and
    // the stream's duplicate window drops the copies.
    if (!written.ok()) return written;
    if (marked > 0) {
      published_.fetch_add(static_cast<int64_t>(marked));
      std::lock_guard<std::mutex> lock(status_mutex_);
      rate_.Add(absl::Now(), static_cast<int64_t>(marked));
    }
    if (!publish_error.ok()) {
      // Perhaps the stream is gone (broker loss): set it up before retrying.
      ensure_stream_.store(true);
      return publish_error;
    }
    return RoundOutcome{locked == settings_.relay_batch_size && marked > 0,
                        static_cast<size_t>(locked) > ready};
  }

  // Publishes `rows` wave by wave (PlanWaves: never two unacked messages of
  // one aggregate), all waves within one publish timeout so a round is no
  // longer than before (the duplicate window's bound, relay.h). Returns one
  // status per row; after a failed row its aggregate sends nothing more.
  std::vector<absl::Status> PublishInWaves(std::vector<OutboxRow>& rows) {
    std::vector<absl::Status> acks(rows.size());
    std::set<std::string> failed_aggregates;
    const absl::Time deadline = absl::Now() + settings_.publish_timeout;
    for (const std::vector<size_t>& wave : PlanWaves(rows)) {
      std::vector<size_t> sent;
      std::vector<OutgoingMessage> messages;
      for (size_t i : wave) {
        if (failed_aggregates.count(rows[i].aggregate_id) != 0) {
          acks[i] = absl::AbortedError("held back: an older event of its aggregate failed");
          continue;
        }
        if (absl::Now() >= deadline) {
          acks[i] = absl::DeadlineExceededError(absl::StrCat(
              "no time left of the round's ", absl::FormatDuration(settings_.publish_timeout)));
          failed_aggregates.insert(rows[i].aggregate_id);
          continue;
        }
        sent.push_back(i);
        messages.push_back(OutgoingMessage{rows[i].id, names_.Subject(service_, rows[i].type),
                                           std::move(rows[i].envelope)});
      }
      if (messages.empty()) continue;
      std::vector<absl::Status> wave_acks = publisher_->Publish(messages, deadline - absl::Now());
      for (size_t j = 0; j < sent.size(); ++j) {
        acks[sent[j]] = wave_acks[j];
        if (!wave_acks[j].ok()) failed_aggregates.insert(rows[sent[j]].aggregate_id);
      }
    }
    return acks;
  }

  void RecordSuccess() {
    std::lock_guard<std::mutex> lock(status_mutex_);
    if (failing_since_.has_value()) {
      spdlog::info("outbox relay: publishing again after {}",
                   absl::FormatDuration(absl::Now() - *failing_since_));
    }
    failing_since_.reset();
    last_error_.clear();
  }

  void RecordFailure(const absl::Status& status) {
    std::lock_guard<std::mutex> lock(status_mutex_);
    if (!failing_since_.has_value()) {
      failing_since_ = absl::Now();
      spdlog::warn("outbox relay: degraded, retrying with back-off: {}", status.ToString());
    }
    last_error_ = std::string(status.message());
  }

  void Prune() {
    int64_t total = 0;
    while (!pruner_.StopRequested()) {
      absl::StatusOr<int64_t> deleted = database_.Write([&](db::WriteTx& tx) {
        return absl::StatusOr<int64_t>(PrunePublished(tx, settings_.outbox_retention, kPruneBatch));
      });
      if (!deleted.ok()) {
        spdlog::warn("outbox relay: pruning published rows failed: {}",
                     deleted.status().ToString());
        return;
      }
      total += *deleted;
      if (*deleted < kPruneBatch) break;
    }
    if (total > 0) spdlog::info("outbox relay: pruned {} published outbox rows", total);
  }

  const std::string service_;
  const EventStreamSettings settings_;
  const EventStreamNames names_;
  db::Database& database_;
  const bool crash_after_publish_;

  // Before the connection: its callback (Wake) uses them.
  std::mutex wake_mutex_;  // Guards the flags below.
  std::condition_variable wake_;
  bool stop_ = false;
  bool notified_ = false;
  bool reconnected_ = false;

  // Used by the relay thread, released by Stop after the join; nats_ lets
  // other threads read the connection state (set once, cleared by Stop).
  std::shared_ptr<NatsConnection> nats_owner_;
  std::unique_ptr<OutboxPublisher> publisher_;
  mutable std::mutex nats_mutex_;  // Guards nats_.
  std::shared_ptr<NatsConnection> nats_;
  std::atomic<bool> ensure_stream_{true};

  std::atomic<int64_t> published_{0};
  mutable std::mutex status_mutex_;  // Guards the three below.
  std::optional<absl::Time> failing_since_;
  std::string last_error_;
  mutable RateWindow rate_;

  std::mutex lifecycle_mutex_;
  bool stopped_ = false;
  std::thread thread_;
  // Last: stopped before the state above goes.
  OutboxListener listener_;
  std::optional<int> doorbell_token_;  // Under lifecycle_mutex_.
  base::PeriodicLoop pruner_;
};

OutboxRelay::OutboxRelay(std::string service, const EventStreamSettings& settings,
                         db::Database& database, std::string listen_conninfo)
    : impl_(std::make_unique<Impl>(std::move(service), settings, database,
                                   std::move(listen_conninfo))) {}
OutboxRelay::~OutboxRelay() = default;
void OutboxRelay::Start() { impl_->Start(); }
void OutboxRelay::Stop() { impl_->Stop(); }
std::optional<std::string> OutboxRelay::Degraded() const { return impl_->Degraded(); }
void OutboxRelay::FillStatus(::ops::v1::EventStreamStatus& status) const {
  impl_->FillStatus(status);
}

}  // namespace qs::events
