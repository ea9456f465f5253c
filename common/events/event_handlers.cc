#include "common/events/event_handlers.h"

namespace qs::events {

void EventHandlers::Add(const std::string& source, const std::string& type, EventHandler handler) {
  handlers_[{source, type}] = std::move(handler);
}

std::vector<std::string> EventHandlers::Sources() const {
  std::vector<std::string> sources;
  for (const auto& [key, handler] : handlers_) {
    if (sources.empty() || sources.back() != key.first) sources.push_back(key.first);
  }
  return sources;
}

const EventHandler* EventHandlers::Find(const std::string& source, const std::string& type) const {
  auto found = handlers_.find({source, type});
  return found == handlers_.end() ? nullptr : &found->second;
}

}  // namespace qs::events
