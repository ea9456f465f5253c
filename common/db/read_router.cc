#include "common/db/read_router.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace qs::db {
namespace {

NodeBreakerOptions BreakerOptions(const ReadRouterOptions& options, std::string node) {
  NodeBreakerOptions breaker;
  breaker.node = std::move(node);
  breaker.failure_threshold = options.failure_threshold;
  breaker.cool_down = options.cool_down;
  breaker.probe_timeout = options.probe_timeout;
  breaker.clock = options.clock;
  return breaker;
}

}  // namespace

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

NodeBreaker::Outcome OutcomeOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      return NodeBreaker::Outcome::kNodeFailure;
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kCancelled:
    // A full pool (RESOURCE_EXHAUSTED) says the node is busy, not whether
    // it answers.
    case absl::StatusCode::kResourceExhausted:
      return NodeBreaker::Outcome::kAbandoned;
    default:
      return NodeBreaker::Outcome::kNodeAnswered;
  }
}

ReadRouter::ReadRouter(ReadRouterOptions options)
    : fallback_(options.fallback),
      replica_(BreakerOptions(options, options.replica)),
      primary_(BreakerOptions(options, options.primary)) {}

absl::Status ReadRouter::Refusal(const NodeBreaker& breaker, const std::string& role,
                                 const absl::Status& why) const {
  const BreakerSnapshot snapshot = breaker.Snapshot();
  std::string message =
      snapshot.state == BreakerState::kClosed
          ? absl::StrCat(role, " ", breaker.node(), " unreachable")
          : absl::StrCat(role, " ", breaker.node(), " unreachable since ", Rfc3339(snapshot.since));
  if (!why.ok()) absl::StrAppend(&message, ": ", why.message());
  return absl::UnavailableError(message);
}

ReadRouter::Route ReadRouter::Choose(absl::FunctionRef<bool()> replica_fresh) {
  // Reachability first: a replica that has been down a while also reports
  // as lagging, and taking that for staleness would send reads to the
  // primary despite DB_READ_FALLBACK=fail. So freshness is asked only of a
  // replica whose breaker is closed, or for the call admitted as its probe.
  if (replica_.Snapshot().state != BreakerState::kClosed) {
    Route probe;
    probe.node = ReadNode::kReplica;
    probe.ticket = replica_.Admit();
    if (probe.ticket.admitted()) {
      if (replica_fresh()) {
        reads_on_replica_.fetch_add(1, std::memory_order_relaxed);
        return probe;
      }
      // Reachable maybe, but too stale to serve: give the probe back
      // untried (the next call after it may probe again).
      replica_.Record(probe.ticket, NodeBreaker::Outcome::kAbandoned);
      stale_reads_.fetch_add(1, std::memory_order_relaxed);
      return OnPrimary(/*count_as_read=*/true);
    }
  } else if (replica_.WouldAdmit()) {
    if (!replica_fresh()) {
      stale_reads_.fetch_add(1, std::memory_order_relaxed);
      return OnPrimary(/*count_as_read=*/true);
    }
    Route route;
    route.node = ReadNode::kReplica;
    route.ticket = replica_.Admit();
    // The breaker may have opened since the state was read.
    if (route.ticket.admitted()) {
      reads_on_replica_.fetch_add(1, std::memory_order_relaxed);
      return route;
    }
  }
  if (fallback_ == config::ReadFallback::kFail) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    Route refused;
    refused.refusal = absl::UnavailableError(absl::StrCat(
        Refusal(replica_, "read node", absl::OkStatus()).message(), " (DB_READ_FALLBACK=fail)"));
    return refused;
  }
  fallbacks_.fetch_add(1, std::memory_order_relaxed);
  return OnPrimary(/*count_as_read=*/true);
}

ReadRouter::Route ReadRouter::RetryOnPrimary(const absl::Status& why) {
  if (fallback_ == config::ReadFallback::kFail) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    Route refused;
    refused.refusal = absl::UnavailableError(
        absl::StrCat(Refusal(replica_, "read node", why).message(), " (DB_READ_FALLBACK=fail)"));
    return refused;
  }
  retries_on_primary_.fetch_add(1, std::memory_order_relaxed);
  return OnPrimary(/*count_as_read=*/true);
}

ReadRouter::Route ReadRouter::ForPrimary() { return OnPrimary(/*count_as_read=*/false); }

ReadRouter::Route ReadRouter::ForReplica() {
  Route route;
  route.node = ReadNode::kReplica;
  route.ticket = replica_.Admit();
  if (!route.ticket.admitted()) route.refusal = Refusal(replica_, "read node", absl::OkStatus());
  return route;
}

ReadRouter::Route ReadRouter::OnPrimary(bool count_as_read) {
  Route route;
  route.node = ReadNode::kPrimary;
  route.ticket = primary_.Admit();
  if (!route.ticket.admitted()) {
    if (count_as_read) refused_.fetch_add(1, std::memory_order_relaxed);
    route.refusal = Refusal(primary_, "write node", absl::OkStatus());
    return route;
  }
  if (count_as_read) reads_on_primary_.fetch_add(1, std::memory_order_relaxed);
  return route;
}

void ReadRouter::Record(const Route& route, NodeBreaker::Outcome outcome) {
  if (!route.refusal.ok()) return;
  breaker(route.node).Record(route.ticket, outcome);
}

ReadRoutingStatus ReadRouter::Status() const {
  ReadRoutingStatus status;
  status.primary = {primary_.node(), primary_.Snapshot()};
  status.replica = {replica_.node(), replica_.Snapshot()};
  status.fallback = fallback_;
  if (status.replica.breaker.state != BreakerState::kClosed) {
    status.reads_on_primary = fallback_ == config::ReadFallback::kPrimary;
    status.reason = PrimaryReadsReason::kReplicaDown;
    status.reads_on_primary_since = status.replica.breaker.since;
    status.detail = absl::StrCat(status.reads_on_primary ? "reads on primary" : "reads fail",
                                 ": replica down since ", Rfc3339(status.replica.breaker.since));
  }
  status.reads_on_replica = reads_on_replica_.load(std::memory_order_relaxed);
  status.reads_on_primary_total = reads_on_primary_.load(std::memory_order_relaxed);
  status.fallbacks = fallbacks_.load(std::memory_order_relaxed);
  status.stale_reads = stale_reads_.load(std::memory_order_relaxed);
  status.retries_on_primary = retries_on_primary_.load(std::memory_order_relaxed);
  status.refused = refused_.load(std::memory_order_relaxed);
  return status;
}

}  // namespace qs::db
