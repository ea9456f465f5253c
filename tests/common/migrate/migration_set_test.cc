#include "common/migrate/migration_set.h"

#include "gtest/gtest.h"

namespace qs::migrate {
namespace {

TEST(MigrationSetTest, PairsUpAndDownAndSortsByVersion) {
  absl::StatusOr<std::vector<Migration>> migrations = ParseMigrationFiles({
      {"20261124120000_create_b.up.sql", "CREATE TABLE b ();"},
      {"20261124110000_create_a.down.sql", "DROP TABLE a;"},
      {"20261124120000_create_b.down.sql", "DROP TABLE b;"},
      {"20261124110000_create_a.up.sql", "CREATE TABLE a ();"},
  });
  ASSERT_TRUE(migrations.ok()) << migrations.status();
  ASSERT_EQ(migrations->size(), 2u);
  EXPECT_EQ((*migrations)[0].id(), "20261124110000_create_a");
  EXPECT_EQ((*migrations)[0].down_sql, "DROP TABLE a;");
  EXPECT_EQ((*migrations)[1].up_sql, "CREATE TABLE b ();");
  EXPECT_EQ((*migrations)[0].checksum, Sha256Hex("CREATE TABLE a ();"));
  EXPECT_NE((*migrations)[0].checksum, (*migrations)[1].checksum);
}

TEST(MigrationSetTest, RejectsBadNamesMissingPartsAndDuplicates) {
  auto expect_invalid = [](std::vector<MigrationFile> files, const std::string& needle) {
    absl::StatusOr<std::vector<Migration>> result = ParseMigrationFiles(files);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(result.status().message().find(needle), std::string::npos) << result.status();
  };
  expect_invalid({{"2026_create.up.sql", ""}}, "2026_create.up.sql");
  expect_invalid({{"20261124120000_CreatePuzzles.up.sql", ""}}, "CreatePuzzles");
  expect_invalid({{"20261124120000_create.up.sql", ""}}, "missing its down part");
  expect_invalid({{"20261124120000_create.down.sql", ""}}, "missing its up part");
  expect_invalid({{"20261124120000_a.up.sql", ""}, {"20261124120000_b.up.sql", ""}},
                 "used by both");
}

TEST(MigrationSetTest, EveryServiceDirectoryParses) {
  for (const char* service : {"quest", "notification", "social"}) {
    absl::StatusOr<std::vector<Migration>> migrations =
        LoadMigrationDirectories({"migrations/common", std::string("migrations/") + service});
    ASSERT_TRUE(migrations.ok()) << service << ": " << migrations.status();
    EXPECT_FALSE(migrations->empty()) << service;
    EXPECT_EQ(migrations->front().id(), "20261125000000_create_idempotency_keys");
  }
  EXPECT_EQ(LoadMigrationDirectory("migrations/nope").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace qs::migrate
