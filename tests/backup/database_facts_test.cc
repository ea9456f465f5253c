// CompareFacts (pure): what verify and restore report when a restored copy
// differs from its manifest.
#include "deploy/backup/database_facts.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qs::backup {
namespace {

using ::testing::HasSubstr;

DatabaseFacts Facts() {
  DatabaseFacts facts;
  facts.table_rows = {{"public.puzzles", 120}, {"public.schema_migrations", 10}};
  facts.migration_version = "20261202000200";
  return facts;
}

TEST(DatabaseFactsTest, SameRowsAndVersionMatch) {
  DatabaseFacts restored = Facts();
  restored.owner = "someone_else";  // owner and ACL are given afterwards, not compared
  EXPECT_TRUE(CompareFacts(Facts(), restored, "quest_db_verify_x").ok());
}

TEST(DatabaseFactsTest, EveryDifferenceIsNamed) {
  DatabaseFacts restored = Facts();
  restored.table_rows["public.puzzles"] = 119;
  restored.table_rows.erase("public.schema_migrations");
  restored.table_rows["public.extra"] = 1;
  restored.migration_version = "20261125000000";
  absl::Status status = CompareFacts(Facts(), restored, "quest_db_verify_x");
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("quest_db_verify_x"));
  EXPECT_THAT(status.message(), HasSubstr("public.puzzles: 120 rows in the backup, 119 restored"));
  EXPECT_THAT(status.message(), HasSubstr("public.schema_migrations: missing"));
  EXPECT_THAT(status.message(), HasSubstr("public.extra: not in the backup"));
  EXPECT_THAT(status.message(),
              HasSubstr("migration version 20261202000200 in the backup, 20261125000000"));
}

}  // namespace
}  // namespace qs::backup
