#include "common/db/node_breaker.h"

#include <utility>

#include "spdlog/spdlog.h"

namespace qs::db {

absl::string_view BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kHalfOpen:
      return "half-open";
    case BreakerState::kOpen:
      return "open";
  }
  return "unknown";
}

NodeBreaker::NodeBreaker(NodeBreakerOptions options) : options_(std::move(options)) {
  since_ = Now();
}

bool NodeBreaker::ProbeMayStart(absl::Time now) const {
  switch (state_) {
    case BreakerState::kClosed:
      return false;
    case BreakerState::kOpen:
      return now - opened_at_ >= options_.cool_down;
    case BreakerState::kHalfOpen:
      return !probe_out_ || now - probe_started_ >= options_.probe_timeout;
  }
  return false;
}

NodeBreaker::Ticket NodeBreaker::Admit() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ == BreakerState::kClosed) return Ticket(Ticket::Kind::kCall);
  const absl::Time now = Now();
  if (!ProbeMayStart(now)) return Ticket(Ticket::Kind::kRefused);
  if (state_ == BreakerState::kOpen) {
    spdlog::debug("database node {}: half-open, probing", options_.node);
  }
  state_ = BreakerState::kHalfOpen;
  probe_out_ = true;
  probe_started_ = now;
  return Ticket(Ticket::Kind::kProbe, ++probe_id_);
}

bool NodeBreaker::WouldAdmit() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_ == BreakerState::kClosed || ProbeMayStart(Now());
}

void NodeBreaker::Open(absl::Time now) {
  if (state_ == BreakerState::kClosed) {
    since_ = now;
    ++times_opened_;
    spdlog::warn(
        "database node {}: circuit open after {} consecutive connection failures; calls stop "
        "using it, a probe tries it every {}",
        options_.node, consecutive_failures_, absl::FormatDuration(options_.cool_down));
  } else {
    spdlog::debug("database node {}: probe failed, open again", options_.node);
  }
  state_ = BreakerState::kOpen;
  opened_at_ = now;
  probe_out_ = false;
}

void NodeBreaker::Record(const Ticket& ticket, Outcome outcome) {
  if (!ticket.admitted()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  const absl::Time now = Now();
  if (ticket.probe()) {
    // A probe that was timed out and replaced reports nothing any more.
    if (!probe_out_ || ticket.probe_id_ != probe_id_) return;
    switch (outcome) {
      case Outcome::kNodeAnswered:
        spdlog::info("database node {}: circuit closed, the node answers again (out for {})",
                     options_.node,
                     absl::FormatDuration(absl::Trunc(now - since_, absl::Milliseconds(1))));
        state_ = BreakerState::kClosed;
        since_ = now;
        consecutive_failures_ = 0;
        probe_out_ = false;
        return;
      case Outcome::kNodeFailure:
        ++consecutive_failures_;
        Open(now);
        return;
      case Outcome::kAbandoned:
        probe_out_ = false;  // The next call probes.
        return;
    }
    return;
  }
  if (state_ != BreakerState::kClosed) return;
  switch (outcome) {
    case Outcome::kNodeAnswered:
      consecutive_failures_ = 0;
      return;
    case Outcome::kNodeFailure:
      if (++consecutive_failures_ >= options_.failure_threshold) Open(now);
      return;
    case Outcome::kAbandoned:
      return;
  }
}

BreakerSnapshot NodeBreaker::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  BreakerSnapshot snapshot;
  snapshot.state = state_;
  snapshot.since = since_;
  snapshot.consecutive_failures = consecutive_failures_;
  snapshot.times_opened = times_opened_;
  return snapshot;
}

}  // namespace qs::db
