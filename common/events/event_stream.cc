#include "common/events/event_stream.h"

#include <utility>

#include "common/events/consumer.h"
#include "common/events/relay.h"

namespace qs::events {

EventStream::EventStream(std::string service, EventStreamSettings settings, db::Database& database,
                         const config::DbConfig& db_config)
    : service_(std::move(service)),
      settings_(std::move(settings)),
      database_(database),
      listen_conninfo_(
          db_config.ConnectionString(db_config.host, db_config.port, service_ + "-relay-listen")) {}

EventStream::~EventStream() { Stop(); }

void EventStream::Start() {
  if (!settings_.enabled || relay_ != nullptr) return;
  relay_ = std::make_unique<OutboxRelay>(service_, settings_, database_, listen_conninfo_);
  relay_->Start();
  if (!handlers_.empty()) {
    consumers_ = std::make_unique<EventConsumers>(service_, settings_, database_, handlers_);
    consumers_->Start();
  }
}

void EventStream::Stop() {
  // Consumers first: an event they apply may append events the relay sends.
  if (consumers_ != nullptr) consumers_->Stop();
  if (relay_ != nullptr) relay_->Stop();
}

std::vector<ops::Degradation> EventStream::Degradations() const {
  std::vector<ops::Degradation> now;
  if (relay_ != nullptr) {
    if (std::optional<std::string> why = relay_->Degraded()) now.push_back({"relay", *why});
  }
  if (consumers_ != nullptr) {
    if (std::optional<std::string> why = consumers_->Degraded()) now.push_back({"events", *why});
  }
  return now;
}

::ops::v1::EventStreamStatus EventStream::Status() const {
  ::ops::v1::EventStreamStatus status;
  status.set_enabled(settings_.enabled);
  if (relay_ != nullptr) relay_->FillStatus(status);
  if (consumers_ != nullptr) consumers_->FillStatus(status);
  return status;
}

}  // namespace qs::events
