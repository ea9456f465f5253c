#include "common/events/outbox_doorbell.h"

#include <utility>

namespace qs::events {

OutboxDoorbell& OutboxDoorbell::Process() {
  static OutboxDoorbell* doorbell = new OutboxDoorbell();
  return *doorbell;
}

int OutboxDoorbell::Subscribe(std::function<void()> ring) {
  std::lock_guard<std::mutex> lock(mutex_);
  const int token = next_token_++;
  subscribers_.emplace(token, std::move(ring));
  subscribers_count_.store(static_cast<int>(subscribers_.size()));
  return token;
}

void OutboxDoorbell::Unsubscribe(int token) {
  std::lock_guard<std::mutex> lock(mutex_);
  subscribers_.erase(token);
  subscribers_count_.store(static_cast<int>(subscribers_.size()));
}

void OutboxDoorbell::Ring() const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [token, ring] : subscribers_) ring();
}

}  // namespace qs::events
