// How a transaction that appended events wakes the outbox relays of its own
// process when it commits, instead of a NOTIFY.
//
// Why not NOTIFY: PostgreSQL serialises notifying transactions. A NOTIFY
// takes a cluster-wide lock at commit and holds it until the commit is
// done, its WAL flush included, so every commit that notifies waits for the
// one before: commits of concurrent writers are no longer grouped into one
// flush, and the write path is capped at about one commit per flush
// (measured by the write part of tests/bench/run.sh as lock waits on
// wait event `object`; docs/write-path.md).
//
// So events::AppendEvent, when this process runs a relay (a subscriber
// here), turns the outbox trigger's NOTIFY off for its transaction (the
// transaction-local setting qs.outbox_notify = off) and rings this doorbell
// after the commit. Rows inserted any other way (psql, another process
// without a relay) still NOTIFY, which the relays' LISTEN hears; the
// relays' poll (EVENTS_RELAY_POLL_MS) covers the rest. Thread-safe.
#ifndef QS_COMMON_EVENTS_OUTBOX_DOORBELL_H_
#define QS_COMMON_EVENTS_OUTBOX_DOORBELL_H_

#include <atomic>
#include <functional>
#include <map>
#include <mutex>

namespace qs::events {

class OutboxDoorbell {
 public:
  // The one of this process.
  static OutboxDoorbell& Process();

  // `ring` runs on the committing thread: it must be quick and not throw
  // (a relay's wake-up). Returns the token for Unsubscribe.
  int Subscribe(std::function<void()> ring);
  void Unsubscribe(int token);
  bool HasSubscribers() const { return subscribers_count_.load() > 0; }

  void Ring() const;

 private:
  mutable std::mutex mutex_;
  std::map<int, std::function<void()>> subscribers_;  // Under mutex_.
  int next_token_ = 0;                                // Under mutex_.
  std::atomic<int> subscribers_count_{0};
};

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_OUTBOX_DOORBELL_H_
