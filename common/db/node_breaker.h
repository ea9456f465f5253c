// A circuit breaker for one database node: after `failure_threshold`
// consecutive connection failures the node is taken out of use (open), so
// no call waits on its connect timeout; after `cool_down` one call at a
// time may try it (half-open, a probe); the first probe that reaches the
// node closes the breaker again.
//
//   NodeBreaker breaker({.node = "quest-read (127.0.0.1:5433)"});
//   NodeBreaker::Ticket ticket = breaker.Admit();
//   if (!ticket.admitted()) return ...;            // open: use another node
//   absl::Status s = RunOnTheNode();
//   breaker.Record(ticket, IsNodeFailure(s) ? Outcome::kNodeFailure : Outcome::kNodeAnswered);
//
// Only connection failures count (refused, timed out, broken while in use:
// UNAVAILABLE from db_error.h). A statement the node answers with an error
// is an answer: the node is up.
//
// Logging: closed → open is one warning, back to closed one info line.
// The half-open round trips of a node that stays down (one per cool-down)
// log at debug level only, so a long outage is two lines, never a line per
// call. Thread-safe; the clock is injectable for tests.
#ifndef QS_COMMON_DB_NODE_BREAKER_H_
#define QS_COMMON_DB_NODE_BREAKER_H_

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace qs::db {

enum class BreakerState { kClosed, kHalfOpen, kOpen };

// "closed", "half-open", "open".
absl::string_view BreakerStateName(BreakerState state);

struct NodeBreakerOptions {
  // Names the node in logs, e.g. "quest-read (127.0.0.1:5433)".
  std::string node;
  // Consecutive connection failures that open the breaker.
  int failure_threshold = 3;
  // Open this long before a probe may try the node again.
  absl::Duration cool_down = absl::Seconds(1);
  // A probe that has not reported after this long is taken as failed, so a
  // lost report cannot keep the node out of use for ever. Database sets
  // DB_CONNECT_TIMEOUT_MS plus a margin: a probe may wait that long on a
  // connect.
  absl::Duration probe_timeout = absl::Seconds(30);
  // The time source; absl::Now when empty.
  std::function<absl::Time()> clock;
};

// A snapshot for diagnostics and metrics.
struct BreakerSnapshot {
  BreakerState state = BreakerState::kClosed;
  // When the breaker entered `state` (closed at construction: then). Open
  // and half-open count as one outage here: `since` is when it opened.
  absl::Time since = absl::InfinitePast();
  int consecutive_failures = 0;
  uint64_t times_opened = 0;
};

class NodeBreaker {
 public:
  enum class Outcome {
    kNodeAnswered,  // The node was reached (a SQL error counts too).
    kNodeFailure,   // Connection refused, timed out or lost.
    kAbandoned,     // The call ended before it learnt anything (its deadline).
  };

  // What Admit granted; hand it back to Record.
  class Ticket {
   public:
    // What a call that never asked holds (e.g. a route refused up front).
    static Ticket Refused() { return Ticket(Kind::kRefused); }
    bool admitted() const { return kind_ != Kind::kRefused; }
    bool probe() const { return kind_ == Kind::kProbe; }

   private:
    friend class NodeBreaker;
    enum class Kind { kRefused, kCall, kProbe };
    explicit Ticket(Kind kind, uint64_t probe_id = 0) : kind_(kind), probe_id_(probe_id) {}
    Kind kind_;
    uint64_t probe_id_;
  };

  explicit NodeBreaker(NodeBreakerOptions options);
  NodeBreaker(const NodeBreaker&) = delete;
  NodeBreaker& operator=(const NodeBreaker&) = delete;

  // Closed: admitted. Open past the cool-down, or half-open with no probe
  // out (or one out past probe_timeout): admitted as the probe. Otherwise
  // refused: the caller must not touch the node.
  Ticket Admit();
  // Whether Admit would admit now, without taking the probe (for a caller
  // that must decide something else first).
  bool WouldAdmit() const;
  // The outcome of an admitted call. A refused ticket is ignored. Calls
  // admitted while closed that report after the breaker opened change
  // nothing: only a probe closes it.
  void Record(const Ticket& ticket, Outcome outcome);

  BreakerSnapshot Snapshot() const;
  const std::string& node() const { return options_.node; }

 private:
  absl::Time Now() const { return options_.clock ? options_.clock() : absl::Now(); }
  // Under mutex_.
  bool ProbeMayStart(absl::Time now) const;
  void Open(absl::Time now);

  const NodeBreakerOptions options_;
  mutable std::mutex mutex_;
  BreakerState state_ = BreakerState::kClosed;
  absl::Time since_;
  absl::Time opened_at_ = absl::InfinitePast();  // Last (re)open: the cool-down's start.
  int consecutive_failures_ = 0;
  uint64_t times_opened_ = 0;
  bool probe_out_ = false;
  uint64_t probe_id_ = 0;  // Of the probe out, if any.
  absl::Time probe_started_ = absl::InfinitePast();
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_NODE_BREAKER_H_
