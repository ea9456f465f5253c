// PLACEHOLDER (replaced by the consumer implementation; keeps the tree building).
#include "common/events/consumer.h"

namespace qs::events {

class EventConsumers::Impl {};

EventConsumers::EventConsumers(std::string, const EventStreamSettings&, db::Database&,
                               const EventHandlers&) {}
EventConsumers::~EventConsumers() = default;
void EventConsumers::Start() {}
void EventConsumers::Stop() {}
std::optional<std::string> EventConsumers::Degraded() const { return std::nullopt; }
void EventConsumers::FillStatus(::ops::v1::EventStreamStatus&) const {}

}  // namespace qs::events
