// Loads realistic synthetic data into a quest database fast, with COPY:
// users (their progress rows), published puzzles, submitted attempts spread
// over recent days, and the leaderboard rows those attempts earn. Used by
// `bazel run //quest:seed` and by the benchmarks.
//
//   SeedOptions options{.users = 1'000'000, .puzzles = 50'000, .attempts = 10'000'000};
//   absl::StatusOr<SeedReport> report = SeedQuestDatabase(conninfo, options);
//
// Meant for an empty (freshly migrated) database: ids come from a seeded
// generator, so the same seed twice collides.
#ifndef QS_QUEST_SEED_DATA_H_
#define QS_QUEST_SEED_DATA_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace qs::quest {

struct SeedOptions {
  int64_t users = 1000;
  int64_t puzzles = 200;
  int64_t attempts = 10000;
  // Attempts are spread over this many days up to now.
  int days = 30;
  uint64_t seed = 42;
};

struct SeedReport {
  int64_t rows = 0;  // all rows written
  absl::Duration elapsed;
};

absl::StatusOr<SeedReport> SeedQuestDatabase(const std::string& conninfo,
                                             const SeedOptions& options);

}  // namespace qs::quest

#endif  // QS_QUEST_SEED_DATA_H_
