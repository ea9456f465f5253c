#include "common/events/consumer.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/periodic_loop.h"
#include "common/events/consumer_source.h"
#include "common/events/dead_letter_store.h"
#include "common/events/nats_connection.h"
#include "common/events/processed_events_store.h"
#include "spdlog/spdlog.h"

namespace qs::events {
namespace {

// processed_events is pruned this often, in batches of kPruneBatch rows.
constexpr absl::Duration kPruneInterval = absl::Minutes(5);
constexpr int kPruneBatch = 5000;

}  // namespace

class EventConsumers::Impl {
 public:
  Impl(std::string service, const EventStreamSettings& settings, db::Database& database,
       const EventHandlers& handlers)
      : service_(std::move(service)),
        settings_(settings),
        database_(database),
        handlers_(handlers),
        prune_(kPruneInterval, [this] { Prune(); }) {}

  ~Impl() { Stop(); }

  void Start() {
    if (started_) return;
    started_ = true;
    absl::StatusOr<std::unique_ptr<NatsConnection>> nats =
        NatsConnection::Connect(settings_.nats_url, service_ + "-consumers");
    if (!nats.ok()) {
      // Only a malformed URL gets here (a server that is down is retried
      // in the background by the connection itself).
      connect_error_ = nats.status().ToString();
      spdlog::error("events: consumers of {} cannot connect: {}", service_, connect_error_);
    } else {
      nats_ = *std::move(nats);
      for (const std::string& source : handlers_.Sources()) {
        sources_.push_back(std::make_unique<SourceConsumer>(service_, source, settings_, database_,
                                                            handlers_, *nats_));
      }
      for (auto& source : sources_) source->Start();
    }
    prune_.Start();
  }

  // The sources and the connection stay until destruction: Degraded() and
  // FillStatus() may still be called.
  void Stop() {
    prune_.Stop();
    for (auto& source : sources_) source->Stop();
  }

  std::optional<std::string> Degraded() const {
    if (!connect_error_.empty()) return connect_error_;
    if (nats_ == nullptr) return std::nullopt;  // not started
    if (!nats_->IsConnected()) return absl::StrCat("NATS not connected (", settings_.nats_url, ")");
    for (const auto& source : sources_) {
      if (std::optional<std::string> why = source->Degraded()) return why;
    }
    return std::nullopt;
  }

  void FillStatus(::ops::v1::EventStreamStatus& status) const {
    for (const auto& source : sources_) source->FillStatus(*status.add_consumers());
    // On the primary: a dead letter parked a moment ago counts at once.
    absl::StatusOr<int64_t> open = database_.ReadFromPrimary(
        [](db::ReadTx& tx) -> absl::StatusOr<int64_t> { return CountOpenDeadLetters(tx); });
    if (open.ok()) status.set_dead_letters(*open);
  }

 private:
  // A failed prune is logged and tried again at the next interval, as the
  // relay's: not a degradation (it held "degraded" for 5 minutes after one
  // failed statement; a database that is really failing shows in the
  // consumers' own apply path).
  void Prune() {
    int64_t deleted = kPruneBatch;
    while (deleted == kPruneBatch && !prune_.StopRequested()) {
      absl::StatusOr<int64_t> batch =
          database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<int64_t> {
            return PruneProcessed(tx, settings_.processed_retention, kPruneBatch);
          });
      if (!batch.ok()) {
        spdlog::warn("events: pruning processed_events of {} failed: {}", service_,
                     batch.status().ToString());
        return;
      }
      deleted = *batch;
    }
  }

  const std::string service_;
  const EventStreamSettings settings_;
  db::Database& database_;
  const EventHandlers& handlers_;
  bool started_ = false;
  std::string connect_error_;
  std::unique_ptr<NatsConnection> nats_;
  std::vector<std::unique_ptr<SourceConsumer>> sources_;
  base::PeriodicLoop prune_;  // last: stopped before the state above goes
};

EventConsumers::EventConsumers(std::string service, const EventStreamSettings& settings,
                               db::Database& database, const EventHandlers& handlers)
    : impl_(std::make_unique<Impl>(std::move(service), settings, database, handlers)) {}

EventConsumers::~EventConsumers() = default;

void EventConsumers::Start() { impl_->Start(); }

void EventConsumers::Stop() { impl_->Stop(); }

std::optional<std::string> EventConsumers::Degraded() const { return impl_->Degraded(); }

void EventConsumers::FillStatus(::ops::v1::EventStreamStatus& status) const {
  impl_->FillStatus(status);
}

}  // namespace qs::events
