// The async read path survives a restart of PostgreSQL itself, with
// statements out on the wire when it goes down. Runs alone (tagged
// exclusive): restarting the primary would disturb every other test. The
// pool reads from the primary here (DB_READ_HOST = DB_HOST, as in
// development): the test's replica is not restarted.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/db/async_read_pool.h"
#include "gtest/gtest.h"
#include "tests/common/db/async_read_support.h"

namespace qs::db {
namespace {

using qs::db::testing::Answer;
using qs::db::testing::PoolOptions;
using qs::db::testing::QueryAndWait;
using qs::testing::TestInfra;

TEST(AsyncReadPoolRestartTest, CallersGetAClearStatusAndTheNextCallsSucceed) {
  const TestInfra& infra = TestInfra::Get();
  AsyncReadPoolOptions options =
      PoolOptions("restart",
                  {{"sleep_then", "SELECT pg_sleep($1::float8), $2::int AS n"},
                   {"backend", "SELECT pg_backend_pid() AS pid"}},
                  /*on_primary=*/true);
  options.connections = 2;
  AsyncReadPool pool(options);
  absl::StatusOr<pqxx::result> before = QueryAndWait(pool, "backend", {});
  ASSERT_TRUE(before.ok()) << before.status();

  constexpr int kInFlight = 30;
  std::vector<Answer<pqxx::result>> answers(kInFlight);
  for (int i = 0; i < kInFlight; ++i) {
    pool.Query("sleep_then", {"0.02", absl::StrCat(i)}, absl::Now() + absl::Seconds(30),
               answers[i].Callback());
  }
  // pg_ctl restart (fast shutdown) ends the sessions mid-pipeline.
  ASSERT_EQ(std::system(infra.restart_primary_command.c_str()), 0) << infra.restart_primary_command;

  int ok = 0;
  int unavailable = 0;
  for (int i = 0; i < kInFlight; ++i) {
    auto answer = answers[i].Wait();
    ASSERT_TRUE(answer.has_value()) << "no answer for " << i;
    if (answer->ok()) {
      EXPECT_EQ((**answer)[0]["n"].as<int>(), i);
      ++ok;
    } else {
      EXPECT_EQ(answer->status().code(), absl::StatusCode::kUnavailable) << answer->status();
      ++unavailable;
    }
  }
  EXPECT_EQ(ok + unavailable, kInFlight);
  std::cout << "during the restart: " << ok << " ok, " << unavailable << " unavailable\n";

  // The node is back (the command waits for it). The pool's connects failed
  // while it was down, so it backs off (at most 5 s between probes) and
  // answers UNAVAILABLE at once until a probe succeeds; then the calls
  // succeed, on new sessions.
  const absl::Time back = absl::Now();
  absl::StatusOr<pqxx::result> after = absl::UnavailableError("not yet called");
  while (absl::Now() - back < absl::Seconds(8)) {
    after = QueryAndWait(pool, "backend", {});
    if (after.ok()) break;
    EXPECT_EQ(after.status().code(), absl::StatusCode::kUnavailable) << after.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(after.ok()) << after.status();
  std::cout << "first success " << absl::FormatDuration(absl::Now() - back)
            << " after the node was back\n";
  EXPECT_NE((*after)[0][0].as<int>(), (*before)[0][0].as<int>());
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<pqxx::result> again = QueryAndWait(pool, "sleep_then", {"0", "1"});
    ASSERT_TRUE(again.ok()) << again.status();
  }
}

}  // namespace
}  // namespace qs::db
