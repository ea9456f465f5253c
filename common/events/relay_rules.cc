#include "common/events/relay_rules.h"

#include <algorithm>
#include <map>
#include <set>

namespace qs::events {

std::vector<std::vector<size_t>> PlanWaves(const std::vector<OutboxRow>& rows) {
  std::map<std::string, size_t> rows_seen;  // per aggregate
  std::vector<std::vector<size_t>> waves;
  for (size_t i = 0; i < rows.size(); ++i) {
    const size_t wave = rows_seen[rows[i].aggregate_id]++;
    if (wave == waves.size()) waves.emplace_back();
    waves[wave].push_back(i);
  }
  return waves;
}

std::vector<std::string> IdsToMark(const std::vector<OutboxRow>& rows,
                                   const std::vector<absl::Status>& acks) {
  std::set<std::string> blocked_aggregates;
  std::vector<std::string> ids;
  ids.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const bool acked = i < acks.size() && acks[i].ok();
    if (!acked) {
      blocked_aggregates.insert(rows[i].aggregate_id);
      continue;
    }
    if (blocked_aggregates.count(rows[i].aggregate_id) != 0) continue;
    ids.push_back(rows[i].id);
  }
  return ids;
}

absl::Duration NextBackoff(absl::Duration previous, absl::Duration max) {
  if (previous <= absl::ZeroDuration()) return std::min(kFirstBackoff, max);
  return std::min(previous * 2, max);
}

void RateWindow::Add(absl::Time now, int64_t count) {
  const int64_t second = absl::ToUnixSeconds(now);
  if (!seconds_.empty() && seconds_.back().first == second) {
    seconds_.back().second += count;
  } else {
    seconds_.emplace_back(second, count);
  }
  total_ += count;
  Expire(now);
}

double RateWindow::PerSecond(absl::Time now) {
  Expire(now);
  return static_cast<double>(total_) / absl::ToDoubleSeconds(window_);
}

void RateWindow::Expire(absl::Time now) {
  const int64_t oldest_kept = absl::ToUnixSeconds(now - window_);
  while (!seconds_.empty() && seconds_.front().first <= oldest_kept) {
    total_ -= seconds_.front().second;
    seconds_.pop_front();
  }
}

}  // namespace qs::events
