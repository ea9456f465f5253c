// bazel run //quest:seed -- --users=N --puzzles=N --attempts=N [--days=N]
//     [--seed=N] [--database-url=postgres://...]   (default: the DB_* variables)
// Loads synthetic data into an empty, migrated quest database with COPY
// (quest/seed_data.h) and prints how long it took.
#include <cstdio>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "common/config/database_url.h"
#include "common/config/db_config.h"
#include "common/config/env.h"
#include "quest/seed_data.h"

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    std::string argument = argv[i];
    size_t equals = argument.find('=');
    if (!absl::StartsWith(argument, "--") || equals == std::string::npos) {
      std::fprintf(stderr,
                   "usage: seed --users=N --puzzles=N --attempts=N [--days=N] [--seed=N] "
                   "[--database-url=URL]\n");
      return 2;
    }
    flags[argument.substr(2, equals - 2)] = argument.substr(equals + 1);
  }
  qs::quest::SeedOptions options;
  for (auto [name, target] : std::initializer_list<std::pair<const char*, int64_t*>>{
           {"users", &options.users}, {"puzzles", &options.puzzles},
           {"attempts", &options.attempts}}) {
    if (flags.count(name) && !absl::SimpleAtoi(flags[name], target)) {
      std::fprintf(stderr, "seed: --%s must be a number\n", name);
      return 2;
    }
  }
  if (flags.count("days") && !absl::SimpleAtoi(flags["days"], &options.days)) return 2;
  if (flags.count("seed") && !absl::SimpleAtoi(flags["seed"], &options.seed)) return 2;
  absl::StatusOr<qs::config::DbConfig> db =
      flags.count("database-url") ? qs::config::ParseDatabaseUrl(flags["database-url"])
                                  : qs::config::LoadDbConfig(qs::config::ProcessEnv());
  if (!db.ok()) {
    std::fprintf(stderr, "seed: %s\n", std::string(db.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<qs::quest::SeedReport> report = qs::quest::SeedQuestDatabase(
      db->ConnectionString(db->host, db->port, "quest-seed"), options);
  if (!report.ok()) {
    std::fprintf(stderr, "seed: %s\n", std::string(report.status().message()).c_str());
    return 1;
  }
  const double seconds = absl::ToDoubleSeconds(report->elapsed);
  std::printf("seeded %lld users, %lld puzzles, %lld attempts: %lld rows in %.1f s "
              "(%.0f rows/s)\n",
              static_cast<long long>(options.users), static_cast<long long>(options.puzzles),
              static_cast<long long>(options.attempts), static_cast<long long>(report->rows),
              seconds, report->rows / seconds);
  return 0;
}
