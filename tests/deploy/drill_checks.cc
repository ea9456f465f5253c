#include "tests/deploy/drill_checks.h"

#include <mutex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/deploy/drill_compose.h"

namespace qs::drill {

std::vector<std::string> Rows(const absl::StatusOr<std::string>& output) {
  EXPECT_TRUE(output.ok()) << output.status();
  if (!output.ok()) return {};
  return absl::StrSplit(*output, '\n', absl::SkipWhitespace());
}

int64_t Count(const absl::StatusOr<std::string>& output) {
  std::vector<std::string> rows = Rows(output);
  int64_t count = -1;
  EXPECT_TRUE(rows.size() == 1 && absl::SimpleAtoi(rows[0], &count)) << absl::StrJoin(rows, "|");
  return count;
}

std::map<std::string, absl::Duration> StopAll(const std::vector<std::string>& containers) {
  std::map<std::string, absl::Duration> took;
  std::vector<std::thread> stops;
  std::mutex mutex;
  for (const std::string& container : containers) {
    stops.emplace_back([&, container] {
      const absl::Time start = absl::Now();
      absl::StatusOr<std::string> stopped = Podman({"stop", "-t", "30", container});
      EXPECT_TRUE(stopped.ok()) << stopped.status();
      std::lock_guard<std::mutex> lock(mutex);
      took[container] = absl::Now() - start;
    });
  }
  for (std::thread& stop : stops) stop.join();
  return took;
}

}  // namespace qs::drill
