// bazel run //quest:seed -- --users=N --puzzles=N --attempts=N [--days=N]
//     [--seed=N] [--database-url=postgres://...]   (default: the DB_* variables)
// Loads synthetic data into an empty, migrated quest database with COPY
// (quest/seed_data.h) and prints how long it took.
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/cli/database_flag.h"
#include "common/cli/flags.h"
#include "quest/seed_data.h"

namespace {

constexpr int kUsage = 2;

int Usage(const absl::Status& why = absl::OkStatus()) {
  if (!why.ok()) std::fprintf(stderr, "seed: %s\n", std::string(why.message()).c_str());
  std::fprintf(stderr,
               "usage: seed --users=N --puzzles=N --attempts=N [--days=N] [--seed=N] "
               "[--database-url=URL]\n");
  return kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  static constexpr absl::string_view kKnownFlags[] = {"users", "puzzles", "attempts",
                                                      "days",  "seed",    "database-url"};
  absl::StatusOr<qs::cli::Flags> flags = qs::cli::Flags::Parse(argc, argv, kKnownFlags);
  if (!flags.ok()) return Usage(flags.status());
  if (flags->help()) return Usage();
  if (!flags->positional().empty()) {
    return Usage(absl::InvalidArgumentError("unexpected argument " + flags->positional()[0]));
  }
  // Only the types' limits here: the counts themselves are checked by
  // SeedQuestDatabase (exit 1), as before.
  qs::quest::SeedOptions options;
  for (auto [name, target] :
       std::initializer_list<std::pair<const char*, int64_t*>>{{"users", &options.users},
                                                               {"puzzles", &options.puzzles},
                                                               {"attempts", &options.attempts}}) {
    absl::StatusOr<int64_t> value = flags->Int64(name, *target);
    if (!value.ok()) return Usage(value.status());
    *target = *value;
  }
  absl::StatusOr<int64_t> days = flags->Int64("days", options.days, std::numeric_limits<int>::min(),
                                              std::numeric_limits<int>::max());
  if (!days.ok()) return Usage(days.status());
  options.days = static_cast<int>(*days);
  absl::StatusOr<int64_t> seed = flags->Int64("seed", static_cast<int64_t>(options.seed), 0);
  if (!seed.ok()) return Usage(seed.status());
  options.seed = static_cast<uint64_t>(*seed);

  absl::StatusOr<std::string> conninfo = qs::cli::WriteConnectionFromFlags(*flags, "quest-seed");
  if (!conninfo.ok()) {
    std::fprintf(stderr, "seed: %s\n", std::string(conninfo.status().message()).c_str());
    return kUsage;
  }
  absl::StatusOr<qs::quest::SeedReport> report = qs::quest::SeedQuestDatabase(*conninfo, options);
  if (!report.ok()) {
    std::fprintf(stderr, "seed: %s\n", std::string(report.status().message()).c_str());
    return 1;
  }
  const double seconds = absl::ToDoubleSeconds(report->elapsed);
  std::printf(
      "seeded %lld users, %lld puzzles, %lld attempts: %lld rows in %.1f s "
      "(%.0f rows/s)\n",
      static_cast<long long>(options.users), static_cast<long long>(options.puzzles),
      static_cast<long long>(options.attempts), static_cast<long long>(report->rows), seconds,
      report->rows / seconds);
  return 0;
}
