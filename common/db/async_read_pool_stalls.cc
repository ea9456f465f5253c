// AsyncReadPool's stall avoidance (loop thread): a timer samples each
// connection's progress; a stalled connection takes nothing new
// (LeastBusyConnection) and another is opened in its place up to the cap
// (EnsureConnections); a stalled connection whose stuck head nobody waits
// for any more is given up and its backend then cancelled from the
// canceller's thread; connections beyond those needed close once idle.
#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/async_read_pool.h"
#include "spdlog/spdlog.h"

namespace qs::db {

int AsyncReadPool::ConnectionCap() const {
  return std::max(options_.max_connections, options_.connections);
}

void AsyncReadPool::WatchProgress() {
  if (progress_timer_ != 0 || stopping_) return;
  int live = 0;
  bool busy = false;
  for (const std::unique_ptr<PipelinedConnection>& connection : connections_) {
    if (connection->closed()) continue;
    ++live;
    busy = busy || !connection->idle();
  }
  if (!busy && live <= options_.connections) return;
  // A quarter of the threshold: a stall is seen at most 25% late.
  const absl::Duration period = std::max(absl::Milliseconds(1), options_.stall_after / 4);
  progress_timer_ = loop_.RunAt(absl::Now() + period, [this] {
    progress_timer_ = 0;
    OnProgressTick();
  });
}

void AsyncReadPool::OnProgressTick() {
  if (stopping_) return;
  const absl::Time now = absl::Now();
  int stalled = 0;
  for (const std::unique_ptr<PipelinedConnection>& connection : connections_) {
    if (!connection->ready()) continue;
    const bool was_stalled = connection->stalled();
    connection->SampleProgress(now, options_.stall_after);
    if (!connection->stalled()) continue;
    if (AbandonDeadHead(*connection)) continue;
    ++stalled;
    if (!was_stalled) {
      ++counters_.stalls;
      spdlog::warn("{}: a connection is stalled ({} statements out, the head unanswered for {})",
                   options_.name, connection->in_flight(),
                   absl::FormatDuration(options_.stall_after));
    }
  }
  CloseIdleExtras(now);
  if (stalled > 0) EnsureConnections();
  Dispatch();
  WatchProgress();
}

bool AsyncReadPool::AbandonDeadHead(PipelinedConnection& connection) {
  // Only a statement whose callers were all answered (deadline, or a batch
  // whose lookups all were): its answer would be dropped anyway.
  const std::optional<uint64_t> head = connection.head_token();
  if (!head.has_value() || statements_.count(*head) > 0) return false;
  // The connection closes first (its statements with callers go to another
  // one, OnClosed), so the cancel reaches a backend nobody listens to: the
  // header says why it must not reach a live one.
  ++counters_.abandoned;
  spdlog::warn("{}: giving up a connection whose head statement is stuck and has no callers",
               options_.name);
  PGcancel* cancel = connection.Abandon(absl::UnavailableError(absl::StrCat(
      options_.name, ": connection given up: a statement ahead of this one was stuck")));
  const bool queued = canceller_.Cancel(cancel, [this](absl::Status sent) {
    std::function<void()> report = [this, sent = std::move(sent)] { OnCancelSent(sent); };
    (void)loop_.Post(std::move(report));  // Refused once stopping: nothing to do.
  });
  if (!queued && cancel != nullptr) {
    spdlog::warn("{}: the stuck statement's cancel was not queued; it ends with its lock",
                 options_.name);
  }
  return true;
}

void AsyncReadPool::OnCancelSent(const absl::Status& sent) {
  if (sent.ok()) {
    ++counters_.cancels;
  } else {
    spdlog::warn("{}", std::string(sent.message()));
  }
}

std::pair<int, int> AsyncReadPool::LiveAndWantedConnections() const {
  int live = 0;
  int stalled = 0;
  for (const std::unique_ptr<PipelinedConnection>& connection : connections_) {
    if (connection->closed()) continue;
    ++live;
    if (connection->ready() && connection->stalled()) ++stalled;
  }
  // A stalled connection serves nobody new: another stands in for it, up
  // to the cap (stalled ones count against it: they hold a backend).
  return {live, std::min(ConnectionCap(), options_.connections + stalled)};
}

void AsyncReadPool::CloseIdleExtras(absl::Time now) {
  // As many as EnsureConnections keeps open: closing below it would only
  // reopen one at the next tick, for as long as the stall lasts.
  const auto [live, keep] = LiveAndWantedConnections();
  std::vector<PipelinedConnection*> idle;
  for (auto connection = connections_.rbegin();
       connection != connections_.rend() && live - static_cast<int>(idle.size()) > keep;
       ++connection) {
    if ((*connection)->ready() && (*connection)->IdleFor(now) >= options_.extra_idle_timeout) {
      idle.push_back(connection->get());
    }
  }
  for (PipelinedConnection* connection : idle) {
    ++counters_.idle_closed;
    Remove(*connection);
  }
}

void AsyncReadPool::Remove(PipelinedConnection& connection) {
  // Not from inside the connection's own callbacks (a timer of the pool's).
  if (connected_.erase(&connection) > 0) --counters_.open_connections;
  connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                    [&](const std::unique_ptr<PipelinedConnection>& c) {
                                      return c.get() == &connection;
                                    }),
                     connections_.end());
}

}  // namespace qs::db
