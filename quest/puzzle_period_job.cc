#include "quest/puzzle_period_job.h"

#include <algorithm>
#include <string>
#include <vector>

#include "spdlog/spdlog.h"

namespace qs::quest {
namespace {

// Plays per fold transaction: a burst after downtime folds in slices.
constexpr int kPlaysPerFold = 10'000;

}  // namespace

absl::StatusOr<int64_t> FoldPuzzlePlays(db::Database& database) {
  PuzzlePeriodStore store;
  int64_t total = 0;
  while (true) {
    absl::StatusOr<int64_t> folded =
        database.Write([&](db::WriteTx& tx) -> absl::StatusOr<int64_t> {
          return store.FoldPlays(tx, kPlaysPerFold);
        });
    if (!folded.ok()) return folded.status();
    total += *folded;
    if (*folded < kPlaysPerFold) return total;
  }
}

absl::StatusOr<int> ApplyClosedRatingPeriods(db::Database& database, absl::Duration period) {
  PuzzlePeriodStore periods;
  PuzzleStore puzzles;
  return database.Write([&](db::WriteTx& tx) -> absl::StatusOr<int> {
    if (!periods.TryLockPeriodJobs(tx)) return 0;  // another job runs: the next tick rates
    const std::vector<PeriodGames> closed = periods.TakeClosedPeriods(tx, period);
    std::vector<std::string> ids;
    for (const PeriodGames& games : closed) {
      if (ids.empty() || ids.back() != games.puzzle_id) ids.push_back(games.puzzle_id);
    }
    if (ids.empty()) return 0;
    std::map<std::string, Rating> ratings = periods.LockRatings(tx, ids);
    int rated = 0;
    for (size_t i = 0; i < closed.size();) {
      const std::string& id = closed[i].puzzle_id;
      auto found = ratings.find(id);
      Rating rating = found == ratings.end() ? Rating{} : found->second;
      for (; i < closed.size() && closed[i].puzzle_id == id; ++i) {
        rating = UpdateRating(rating, closed[i].games);
      }
      if (found == ratings.end()) continue;  // the puzzle is gone: its games go too
      puzzles.SetRating(tx, id, rating);
      ++rated;
    }
    return rated;
  });
}

PuzzlePeriodJobs::PuzzlePeriodJobs(db::Database& database, const PuzzlePeriodOptions& options)
    : database_(database),
      options_(options),
      plays_folder_(options.plays_fold,
                    [this] {
                      absl::StatusOr<int64_t> folded = FoldPuzzlePlays(database_);
                      if (!folded.ok())
                        spdlog::warn("puzzle plays fold: {}", folded.status().ToString());
                    }),
      rating_periods_(std::min(options.rating_period / 4, absl::Seconds(60)), [this] {
        absl::StatusOr<int> rated = ApplyClosedRatingPeriods(database_, options_.rating_period);
        if (!rated.ok()) {
          spdlog::warn("puzzle rating periods: {}", rated.status().ToString());
        } else if (*rated > 0) {
          spdlog::info("puzzle rating periods: {} puzzles rated", *rated);
        }
      }) {}

}  // namespace qs::quest
