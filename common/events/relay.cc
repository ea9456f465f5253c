// PLACEHOLDER (replaced by the relay implementation; keeps the tree building).
#include "common/events/relay.h"

namespace qs::events {

class OutboxRelay::Impl {};

OutboxRelay::OutboxRelay(std::string, const EventStreamSettings&, db::Database&, std::string) {}
OutboxRelay::~OutboxRelay() = default;
void OutboxRelay::Start() {}
void OutboxRelay::Stop() {}
std::optional<std::string> OutboxRelay::Degraded() const { return std::nullopt; }
void OutboxRelay::FillStatus(::ops::v1::EventStreamStatus&) const {}

}  // namespace qs::events
