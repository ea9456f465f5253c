// The naming-convention lint on every service's migrated database, and on
// deliberately bad tables (created inside a transaction that is rolled back).
#include "common/migrate/schema_lint.h"

#include "common/migrate/migrator.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::migrate {
namespace {

using qs::testing::ScratchDatabase;

std::vector<std::string> LintAfter(const ScratchDatabase& db, const std::string& ddl) {
  pqxx::connection connection(db.Conninfo());
  pqxx::work tx(connection);
  if (!ddl.empty()) tx.exec(ddl);
  absl::StatusOr<std::vector<std::string>> violations = LintSchema(tx);
  EXPECT_TRUE(violations.ok()) << violations.status();
  return *violations;  // tx rolls back on destruction.
}

bool Mentions(const std::vector<std::string>& violations, const std::string& text) {
  for (const std::string& v : violations) {
    if (v.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(SchemaLintTest, EveryMigratedServiceDatabasePasses) {
  for (const char* service : {"quest", "notification", "social"}) {
    SCOPED_TRACE(service);
    ScratchDatabase db(service);
    auto migrations =
        LoadMigrationDirectories({"migrations/common", std::string("migrations/") + service});
    ASSERT_TRUE(migrations.ok());
    ASSERT_TRUE(Migrator(db.Conninfo(), *migrations).Run().ok());
    std::vector<std::string> violations = LintAfter(db, "");
    EXPECT_TRUE(violations.empty()) << violations.front();
  }
}

TEST(SchemaLintTest, RejectsACamelCaseTable) {
  ScratchDatabase db("quest");
  auto violations = LintAfter(
      db, "CREATE TABLE \"UserProgress\" (id uuid PRIMARY KEY DEFAULT gen_random_uuid())");
  EXPECT_TRUE(Mentions(violations, "table UserProgress: name is not snake_case"));
}

TEST(SchemaLintTest, RejectsAnIntegerOrMisnamedPrimaryKey) {
  ScratchDatabase db("quest");
  EXPECT_TRUE(Mentions(LintAfter(db, "CREATE TABLE counters (id integer PRIMARY KEY)"),
                       "table counters: primary key must be id uuid"));
  EXPECT_TRUE(Mentions(
      LintAfter(db, "CREATE TABLE tags (tag_id uuid PRIMARY KEY DEFAULT gen_random_uuid())"),
      "table tags: primary key"));
  EXPECT_TRUE(Mentions(LintAfter(db, "CREATE TABLE notes (id uuid PRIMARY KEY)"),
                       "table notes: primary key"));
}

TEST(SchemaLintTest, RejectsMisnamedAndUnindexedForeignKeys) {
  ScratchDatabase db("quest");
  const std::string parents =
      "CREATE TABLE parents (id uuid PRIMARY KEY DEFAULT gen_random_uuid());";
  auto bad = LintAfter(db, parents +
                               "CREATE TABLE kids (id uuid PRIMARY KEY DEFAULT "
                               "gen_random_uuid(), parent uuid REFERENCES parents (id))");
  EXPECT_TRUE(Mentions(bad, "column kids.parent must be named <entity>_id"));
  EXPECT_TRUE(Mentions(bad, "on kids: no index starts with its columns"));

  auto good = LintAfter(db, parents +
                                "CREATE TABLE kids (id uuid PRIMARY KEY DEFAULT "
                                "gen_random_uuid(), parent_id uuid REFERENCES parents (id));"
                                "CREATE INDEX kids_parent_id_idx ON kids (parent_id)");
  EXPECT_TRUE(good.empty()) << good.front();
}

}  // namespace
}  // namespace qs::migrate
