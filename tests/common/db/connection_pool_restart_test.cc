// The pool survives a restart of PostgreSQL itself. Runs alone (tagged
// exclusive): restarting the primary would disturb every other test.
#include <cstdlib>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/database.h"
#include "gtest/gtest.h"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

using qs::testing::TestInfra;

absl::StatusOr<int> WritePid(Database& db) {
  return db.Write([](WriteTx& tx) -> absl::StatusOr<int> {
    return tx.Query("SELECT pg_backend_pid()")[0][0].as<int>();
  });
}

TEST(ConnectionPoolRestartTest, RecoversAfterPrimaryRestart) {
  const TestInfra& infra = TestInfra::Get();
  config::DbConfig config = infra.ServiceDbConfig("quest");
  config.min_connections = 3;
  config.max_connections = 5;
  Database db(config, "restart-test-" + qs::testing::UniqueSuffix());
  absl::StatusOr<int> before = WritePid(db);
  ASSERT_TRUE(before.ok()) << before.status();

  ASSERT_EQ(std::system(infra.restart_primary_command.c_str()), 0) << infra.restart_primary_command;

  // The first call after the restart already succeeds: the pool finds the
  // closed connections before lending them.
  absl::StatusOr<int> after = WritePid(db);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NE(*after, *before);
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<int> again = WritePid(db);
    ASSERT_TRUE(again.ok()) << again.status();
  }
  // Reads recover too: the replica reconnects to the restarted primary.
  absl::Status read = db.Read([](ReadTx& tx) -> absl::Status {
    tx.Query("SELECT 1");
    return absl::OkStatus();
  });
  EXPECT_TRUE(read.ok()) << read;
}

}  // namespace
}  // namespace qs::db
