#include "quest/rank_counter.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "spdlog/spdlog.h"

namespace qs::quest {

RankCounter::RankCounter(db::Database& database, Options options)
    : database_(database),
      options_(std::move(options)),
      refresher_(options_.refresh, [this] { RefreshAll(); }) {}

void RankCounter::CountAbove(const std::string& period, int64_t score, const NearCounts& near,
                             absl::Time deadline, CountsDone done) {
  if (near.ties && near.above < options_.exact_limit) {
    return done(Counts{near.above, near.above + *near.ties, false});
  }
  if (std::shared_ptr<const ScoreHistogram> histogram = HistogramFor(period)) {
    auto [above, at_or_above] = histogram->CountAbove(score);
    // Never above the exact region, even if the snapshot is older than it.
    const int64_t at_least = std::max(above, options_.exact_limit);
    return done(Counts{at_least, at_least + (at_or_above - above), true});
  }
  LeaderboardStore::CountAboveAsync(
      database_.async_reads(), period, score, deadline,
      [done = std::move(done)](absl::StatusOr<std::pair<int64_t, int64_t>> counted) {
        if (!counted.ok()) return done(counted.status());
        done(Counts{counted->first, counted->second, false});
      });
}

bool RankCounter::Ready(const std::string& period) {
  std::lock_guard<std::mutex> lock(mutex_);
  return histograms_.count(period) > 0;
}

std::shared_ptr<const ScoreHistogram> RankCounter::HistogramFor(const std::string& period) {
  std::shared_ptr<const ScoreHistogram> histogram;
  bool known;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    known = wanted_.count(period) > 0;
    wanted_[period] = absl::Now();
    auto it = histograms_.find(period);
    if (it != histograms_.end()) histogram = it->second;
  }
  // Read its first histogram now. Asked during a refresh that has already
  // listed its periods, the wake-up makes another refresh follow that one.
  if (!known) refresher_.WakeNow();
  return histogram;
}

void RankCounter::RefreshAll() {
  std::vector<std::string> periods;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const absl::Time now = absl::Now();
    if (options_.current_periods) {
      for (const std::string& period : options_.current_periods()) wanted_[period] = now;
    }
    for (auto it = wanted_.begin(); it != wanted_.end();) {
      if (now - it->second > options_.forget_after) {
        histograms_.erase(it->first);
        it = wanted_.erase(it);
      } else {
        periods.push_back((it++)->first);
      }
    }
  }
  for (const std::string& period : periods) {
    if (refresher_.StopRequested()) return;
    using ScoreCounts = std::vector<std::pair<int64_t, int64_t>>;
    absl::StatusOr<ScoreCounts> counts =
        database_.Read([&](db::ReadTx& tx) -> absl::StatusOr<ScoreCounts> {
          return store_.ScoreCounts(tx, period);
        });
    if (!counts.ok()) {
      spdlog::warn("leaderboard histogram of {} not refreshed: {}", period,
                   counts.status().ToString());
      continue;
    }
    auto histogram = std::make_shared<const ScoreHistogram>(std::move(*counts));
    std::lock_guard<std::mutex> lock(mutex_);
    histograms_[period] = std::move(histogram);
  }
}

}  // namespace qs::quest
