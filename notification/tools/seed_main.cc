// bazel run //notification:seed -- --logs=N [--users=N] [--days=N] [--seed=N]
//     [--database-url=postgres://...]   (default: the DB_* variables)
// Loads synthetic push tokens, notification logs and their finished
// deliveries into an empty, migrated notification database with COPY
// (notification/seed_data.h) and prints how long it took. Without --users,
// logs / 20 users, at least 1,200 (SeedOptions::ForLogs): 1M logs over 50k users.
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/cli/database_flag.h"
#include "common/cli/flags.h"
#include "notification/seed_data.h"

namespace {

constexpr int kUsage = 2;

int Usage(const absl::Status& why = absl::OkStatus()) {
  if (!why.ok()) std::fprintf(stderr, "seed: %s\n", std::string(why.message()).c_str());
  std::fprintf(stderr,
               "usage: seed --logs=N [--users=N] [--days=N] [--seed=N] [--database-url=URL]\n");
  return kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  static constexpr absl::string_view kKnownFlags[] = {"logs", "users", "days", "seed",
                                                      "database-url"};
  absl::StatusOr<qs::cli::Flags> flags = qs::cli::Flags::Parse(argc, argv, kKnownFlags);
  if (!flags.ok()) return Usage(flags.status());
  if (flags->help()) return Usage();
  if (!flags->positional().empty()) {
    return Usage(absl::InvalidArgumentError("unexpected argument " + flags->positional()[0]));
  }
  absl::StatusOr<int64_t> logs = flags->Int64("logs", 1'000'000);
  if (!logs.ok()) return Usage(logs.status());
  // Only the types' limits here: the counts themselves are checked by
  // SeedNotificationDatabase (exit 1).
  qs::notification::SeedOptions options = qs::notification::SeedOptions::ForLogs(*logs);
  absl::StatusOr<int64_t> users = flags->Int64("users", options.users);
  if (!users.ok()) return Usage(users.status());
  options.users = *users;
  absl::StatusOr<int64_t> days = flags->Int64("days", options.days, std::numeric_limits<int>::min(),
                                              std::numeric_limits<int>::max());
  if (!days.ok()) return Usage(days.status());
  options.days = static_cast<int>(*days);
  absl::StatusOr<int64_t> seed = flags->Int64("seed", static_cast<int64_t>(options.seed), 0);
  if (!seed.ok()) return Usage(seed.status());
  options.seed = static_cast<uint64_t>(*seed);

  absl::StatusOr<std::string> conninfo =
      qs::cli::WriteConnectionFromFlags(*flags, "notification-seed");
  if (!conninfo.ok()) {
    std::fprintf(stderr, "seed: %s\n", std::string(conninfo.status().message()).c_str());
    return kUsage;
  }
  absl::StatusOr<qs::notification::SeedReport> report =
      qs::notification::SeedNotificationDatabase(*conninfo, options);
  if (!report.ok()) {
    std::fprintf(stderr, "seed: %s\n", std::string(report.status().message()).c_str());
    return 1;
  }
  const double seconds = absl::ToDoubleSeconds(report->elapsed);
  std::printf(
      "seeded %lld users (%lld push tokens, %lld invalidated), %lld preferences, %lld "
      "notification logs, %lld deliveries: %lld rows in %.1f s (%.0f rows/s)\n",
      static_cast<long long>(options.users), static_cast<long long>(report->push_tokens),
      static_cast<long long>(report->invalidated_tokens),
      static_cast<long long>(report->preferences), static_cast<long long>(report->logs),
      static_cast<long long>(report->deliveries), static_cast<long long>(report->rows), seconds,
      report->rows / seconds);
  return 0;
}
