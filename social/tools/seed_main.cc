// bazel run //social:seed -- --users=N [--friends-per-user=N] [--guilds=N]
//     [--guilds-per-user=N] [--direct-channels=N] [--messages=N]
//     [--pending-requests=N] [--blocks=N] [--days=N] [--seed=N]
//     [--database-url=postgres://...]   (default: the DB_* variables)
// Loads synthetic data into an empty, migrated social database with COPY
// (social/seed_data.h) and prints how long it took. Counts not given follow
// the users in issue 9's proportions (SeedOptions::ForUsers): 100k users get
// 50 friends each, 10k guilds and 10M messages.
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/cli/database_flag.h"
#include "common/cli/flags.h"
#include "social/seed_data.h"

namespace {

constexpr int kUsage = 2;

int Usage(const absl::Status& why = absl::OkStatus()) {
  if (!why.ok()) std::fprintf(stderr, "seed: %s\n", std::string(why.message()).c_str());
  std::fprintf(stderr,
               "usage: seed --users=N [--friends-per-user=N] [--guilds=N] [--guilds-per-user=N] "
               "[--direct-channels=N] [--messages=N] [--pending-requests=N] [--blocks=N] "
               "[--days=N] [--seed=N] [--database-url=URL]\n");
  return kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  static constexpr absl::string_view kKnownFlags[] = {"users",
                                                      "friends-per-user",
                                                      "guilds",
                                                      "guilds-per-user",
                                                      "direct-channels",
                                                      "messages",
                                                      "pending-requests",
                                                      "blocks",
                                                      "days",
                                                      "seed",
                                                      "database-url"};
  absl::StatusOr<qs::cli::Flags> flags = qs::cli::Flags::Parse(argc, argv, kKnownFlags);
  if (!flags.ok()) return Usage(flags.status());
  if (flags->help()) return Usage();
  if (!flags->positional().empty()) {
    return Usage(absl::InvalidArgumentError("unexpected argument " + flags->positional()[0]));
  }
  absl::StatusOr<int64_t> users = flags->Int64("users", 1000);
  if (!users.ok()) return Usage(users.status());
  // Only the types' limits here: the counts themselves are checked by
  // SeedSocialDatabase (exit 1).
  qs::social::SeedOptions options = qs::social::SeedOptions::ForUsers(*users);
  constexpr int64_t kIntMin = std::numeric_limits<int>::min();
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  struct Count {
    const char* flag;
    int64_t* value;
  };
  for (Count count :
       {Count{"guilds", &options.guilds}, Count{"direct-channels", &options.direct_channels},
        Count{"messages", &options.messages}, Count{"pending-requests", &options.pending_requests},
        Count{"blocks", &options.blocks}}) {
    absl::StatusOr<int64_t> value = flags->Int64(count.flag, *count.value);
    if (!value.ok()) return Usage(value.status());
    *count.value = *value;
  }
  struct SmallCount {
    const char* flag;
    int* value;
  };
  for (SmallCount count : {SmallCount{"friends-per-user", &options.friends_per_user},
                           SmallCount{"guilds-per-user", &options.guilds_per_user},
                           SmallCount{"days", &options.days}}) {
    absl::StatusOr<int64_t> value = flags->Int64(count.flag, *count.value, kIntMin, kIntMax);
    if (!value.ok()) return Usage(value.status());
    *count.value = static_cast<int>(*value);
  }
  absl::StatusOr<int64_t> seed = flags->Int64("seed", static_cast<int64_t>(options.seed), 0);
  if (!seed.ok()) return Usage(seed.status());
  options.seed = static_cast<uint64_t>(*seed);

  absl::StatusOr<std::string> conninfo = qs::cli::WriteConnectionFromFlags(*flags, "social-seed");
  if (!conninfo.ok()) {
    std::fprintf(stderr, "seed: %s\n", std::string(conninfo.status().message()).c_str());
    return kUsage;
  }
  absl::StatusOr<qs::social::SeedReport> report =
      qs::social::SeedSocialDatabase(*conninfo, options);
  if (!report.ok()) {
    std::fprintf(stderr, "seed: %s\n", std::string(report.status().message()).c_str());
    return 1;
  }
  const double seconds = absl::ToDoubleSeconds(report->elapsed);
  std::printf(
      "seeded %lld users (%lld friendship rows), %lld guilds (%lld member rows), %lld channels, "
      "%lld messages, %lld read marks: %lld rows in %.1f s (%.0f rows/s)\n",
      static_cast<long long>(options.users), static_cast<long long>(report->friendships),
      static_cast<long long>(options.guilds), static_cast<long long>(report->guild_members),
      static_cast<long long>(report->channels), static_cast<long long>(report->messages),
      static_cast<long long>(report->read_marks), static_cast<long long>(report->rows), seconds,
      report->rows / seconds);
  return 0;
}
