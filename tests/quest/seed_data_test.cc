// The seed-data tool on a scratch database migrated with quest's migrations:
// row counts, derived aggregates that must agree with the attempts, and the
// naming lint still passing.
#include "quest/seed_data.h"

#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "common/migrate/schema_lint.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::quest {
namespace {

int64_t Scalar(pqxx::connection& connection, const std::string& sql) {
  pqxx::nontransaction tx(connection);
  return tx.exec1(sql)[0].as<int64_t>();
}

TEST(SeedDataTest, LoadsConsistentDataWithCopy) {
  qs::testing::ScratchDatabase db("quest");
  auto migrations = migrate::LoadMigrationDirectories({"migrations/common", "migrations/quest"});
  ASSERT_TRUE(migrations.ok());
  ASSERT_TRUE(migrate::Migrator(db.Conninfo(), *migrations).Run().ok());

  SeedOptions options{.users = 500, .puzzles = 40, .attempts = 4000, .days = 10, .seed = 7};
  absl::StatusOr<SeedReport> report = SeedQuestDatabase(db.Conninfo(), options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GE(report->rows, 500 + 40 + 4000);

  pqxx::connection connection(db.Conninfo());
  EXPECT_EQ(Scalar(connection, "SELECT count(*) FROM puzzles WHERE status = 'published'"), 40);
  EXPECT_EQ(Scalar(connection, "SELECT count(*) FROM puzzle_attempts"), 4000);
  EXPECT_EQ(Scalar(connection, "SELECT count(*) FROM user_progress"), 500);
  EXPECT_EQ(Scalar(connection, "SELECT sum(play_count) FROM puzzles"), 4000);
  EXPECT_EQ(Scalar(connection, "SELECT sum(attempt_count) FROM user_progress"), 4000);
  EXPECT_EQ(Scalar(connection, "SELECT sum(solved_count) FROM user_progress"),
            Scalar(connection, "SELECT count(*) FROM puzzle_attempts WHERE verdict = 'correct'"));
  EXPECT_EQ(Scalar(connection, "SELECT sum(score) FROM leaderboard_scores WHERE period = 'all'"),
            Scalar(connection, "SELECT sum(score) FROM puzzle_attempts"));
  EXPECT_EQ(Scalar(connection, "SELECT sum(total_score) FROM user_progress"),
            Scalar(connection, "SELECT sum(score) FROM puzzle_attempts"));

  pqxx::work tx(connection);
  absl::StatusOr<std::vector<std::string>> violations = migrate::LintSchema(tx);
  ASSERT_TRUE(violations.ok());
  EXPECT_TRUE(violations->empty());
}

TEST(SeedDataTest, RejectsNonsenseSizes) {
  EXPECT_EQ(SeedQuestDatabase("host=unused", {.users = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qs::quest
