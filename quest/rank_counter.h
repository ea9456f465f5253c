// The counts competition ranks are made of (leaderboard_rules.h), kept cheap
// on a big board.
//
// Exact while fewer than `exact_limit` rows score above: an index range of at
// most that many entries. Deeper down, counting every row above costs O(rank)
// per call (a median user of a 1M board is 500k index entries), so the count
// is estimated from a ScoreHistogram of the period that a background thread
// re-reads from the replica every `refresh`: O(log distinct scores) per call,
// at most `refresh` old (rows that passed the user since are not counted).
// Until a period's first histogram is read, deep counts are exact; the
// current periods are read from start-up on (Options::current_periods).
//
// The exact counts come with the rows they rank: a slice's own statement
// counts up to exact_limit() rows above its first row (NearCounts,
// leaderboard_store.h), and CountAbove turns that into Counts.
//
//   RankCounter ranks(database, options);
//   ranks.refresher().Start();  // a service: context.RunInBackground(ranks.refresher())
//   LeaderboardStore::PageAsync(reads, "all", std::nullopt, 20, ranks.exact_limit(), deadline,
//       // Runs later, on the loop thread: capture by value (ranks outlives it).
//       [&ranks, deadline, done](absl::StatusOr<BoardSlice> slice) {
//         if (!slice.ok()) return done(slice.status());
//         if (slice->rows.empty()) return done(RankCounter::Counts{});
//         ranks.CountAbove("all", slice->rows[0].score, slice->near, deadline, done);
//       });
//
// The refresher reads nothing until it is started; CountAbove counts exactly
// meanwhile. Thread-safe.
#ifndef QS_QUEST_RANK_COUNTER_H_
#define QS_QUEST_RANK_COUNTER_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/base/periodic_loop.h"
#include "common/db/database.h"
#include "quest/leaderboard_store.h"
#include "quest/score_histogram.h"

namespace qs::quest {

class RankCounter {
 public:
  struct Options {
    int64_t exact_limit = 1000;
    absl::Duration refresh = absl::Seconds(60);
    // A period nobody asked a deep rank of for this long is dropped.
    absl::Duration forget_after = absl::Minutes(10);
    // Periods kept warm (read from start-up on, every refresh) so that the
    // first deep requests do not count O(rank) while the histogram loads.
    std::function<std::vector<std::string>()> current_periods;
  };
  struct Counts {
    int64_t above = 0;        // rows with a higher score
    int64_t at_or_above = 0;  // rows with this score or higher
    bool estimated = false;   // from the histogram, not counted now
  };

  // Does not start the refresher: see refresher().
  RankCounter(db::Database& database, Options options);
  RankCounter(const RankCounter&) = delete;
  RankCounter& operator=(const RankCounter&) = delete;

  using CountsDone = std::function<void(absl::StatusOr<Counts>)>;

  // The Counts of a row scoring `score`, whose statement counted `near` up
  // to exact_limit(): exact from `near` when fewer rows score above;
  // estimated from the histogram when there is one; else (a deep row
  // before its period's first histogram) all counted by one more statement
  // on the async read path. `done` runs on the read path's loop thread or
  // here, and must not block; so CountAbove may be called from a `done`.
  void CountAbove(const std::string& period, int64_t score, const NearCounts& near,
                  absl::Time deadline, CountsDone done);

  // The bound of the near count (Options::exact_limit).
  int64_t exact_limit() const { return options_.exact_limit; }

  // Whether a histogram of `period` has been read.
  bool Ready(const std::string& period);

  // The background thread that re-reads the histograms every
  // Options::refresh, and at once when a period is asked for the first time.
  // Its owner starts it (and may stop it early); it stops with the counter.
  base::PeriodicLoop& refresher() { return refresher_; }

 private:
  std::shared_ptr<const ScoreHistogram> HistogramFor(const std::string& period);
  // One refresh of every wanted period; returns early on a stop.
  void RefreshAll();

  db::Database& database_;
  LeaderboardStore store_;
  const Options options_;

  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const ScoreHistogram>> histograms_;
  std::map<std::string, absl::Time> wanted_;  // period -> last deep request
  base::PeriodicLoop refresher_;              // last: stopped before the members above go
};

}  // namespace qs::quest

#endif  // QS_QUEST_RANK_COUNTER_H_
