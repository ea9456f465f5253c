#include "common/events/relay_listener.h"

#include <chrono>
#include <utility>

#include "pqxx/connection"
#include "pqxx/except"
#include "pqxx/notification"
#include "spdlog/spdlog.h"

namespace qs::events {
namespace {

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& connection, const std::function<void()>& wake)
      : pqxx::notification_receiver(connection, OutboxListener::kChannel), wake_(wake) {}
  void operator()(const std::string&, int) override { wake_(); }

 private:
  const std::function<void()>& wake_;
};

// How long one await_notification blocks: bounds Stop()'s latency.
constexpr long kAwaitMicros = 200'000;
constexpr auto kReconnectPause = std::chrono::seconds(1);

}  // namespace

OutboxListener::OutboxListener(std::string conninfo, std::function<void()> wake)
    : conninfo_(std::move(conninfo)), wake_(std::move(wake)) {}

OutboxListener::~OutboxListener() { Stop(); }

void OutboxListener::Start() {
  if (thread_.joinable() || stop_.load()) return;
  thread_ = std::thread([this] { Run(); });
}

void OutboxListener::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  stopped_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OutboxListener::Run() {
  bool warned = false;
  while (!stop_.load()) {
    try {
      ListenUntilBroken();
      warned = false;
    } catch (const std::exception& e) {
      // Logged once per outage: the relay's poll still finds the rows.
      if (!warned) spdlog::warn("outbox relay: LISTEN {} failed, retrying: {}", kChannel, e.what());
      warned = true;
    }
    listening_.store(false);
    std::unique_lock<std::mutex> lock(mutex_);
    stopped_.wait_for(lock, kReconnectPause, [this] { return stop_.load(); });
  }
}

void OutboxListener::ListenUntilBroken() {
  pqxx::connection connection(conninfo_);
  Receiver receiver(connection, wake_);
  // The receiver sends LISTEN at once but swallows a broken connection.
  if (!connection.is_open()) throw pqxx::broken_connection("LISTEN connection closed");
  listening_.store(true);
  wake_();
  while (!stop_.load()) {
    connection.await_notification(0, kAwaitMicros);
    // libpqxx 6 returns 0 instead of throwing once the connection is gone.
    if (!connection.is_open()) throw pqxx::broken_connection("LISTEN connection closed");
  }
}

}  // namespace qs::events
