// LISTEN outbox_events on a libpqxx connection of its own (outside the
// pools) and call `wake` on each notification, so the relay publishes an
// event within milliseconds of its commit (the outbox trigger NOTIFYs at
// commit; see migrations/common/20261202000000_notify_outbox_events).
//
//   OutboxListener listener(conninfo, [&] { relay.Wake(); });
//   listener.Start();  ...  listener.Stop();
//
// A connection that breaks (primary restart, pg_terminate_backend) is
// reopened every second until it works; `wake` is also called after each
// (re)connect, since commits while nobody listened sent no notification.
// The relay's poll (EVENTS_RELAY_POLL_MS) covers the gaps.
#ifndef QS_COMMON_EVENTS_RELAY_LISTENER_H_
#define QS_COMMON_EVENTS_RELAY_LISTENER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace qs::events {

class OutboxListener {
 public:
  // The channel the outbox trigger notifies.
  static constexpr char kChannel[] = "outbox_events";

  // `wake` runs on the listener's thread; it must be quick.
  OutboxListener(std::string conninfo, std::function<void()> wake);
  ~OutboxListener();
  OutboxListener(const OutboxListener&) = delete;
  OutboxListener& operator=(const OutboxListener&) = delete;

  void Start();
  // Returns within ~200 ms (the longest wait for a notification); idempotent.
  void Stop();

  // Whether the LISTEN connection is open now.
  bool Listening() const { return listening_.load(); }

 private:
  void Run();
  void ListenUntilBroken();

  const std::string conninfo_;
  const std::function<void()> wake_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> listening_{false};
  std::mutex mutex_;
  std::condition_variable stopped_;
  std::thread thread_;
};

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_RELAY_LISTENER_H_
