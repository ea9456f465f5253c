// `generate` against real PostgreSQL: every change kind, applied for real,
// reproduces the desired schema; its down part restores the old one; and
// each service's schema.sql matches its migrations.
#include "common/migrate/schema_generator.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "common/migrate/migrator.h"
#include "common/migrate/schema_catalog.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::migrate {
namespace {

using qs::testing::ScratchDatabase;
using qs::testing::TestInfra;

config::DbConfig Admin() {
  const TestInfra& infra = TestInfra::Get();
  config::DbConfig admin;
  admin.host = infra.host;
  admin.port = infra.primary_port;
  admin.user = infra.admin_user;
  admin.password = infra.admin_password;
  admin.name = "postgres";
  return admin;
}

std::string TempDirectory(const std::string& name) {
  std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  mkdir(path.c_str(), 0755);
  return path;
}

Schema SchemaOf(const ScratchDatabase& db) {
  pqxx::connection connection(db.Conninfo());
  absl::StatusOr<Schema> schema = ReadSchema(connection);
  EXPECT_TRUE(schema.ok()) << schema.status();
  return *schema;
}

void ApplyScript(const ScratchDatabase& db, const std::string& path) {
  std::ifstream in(path);
  std::ostringstream sql;
  sql << in.rdbuf();
  pqxx::connection connection(db.Conninfo());
  pqxx::work tx(connection);
  tx.exec(sql.str());
  tx.commit();
}

TEST(SchemaGeneratorTest, CoversEveryChangeKindAndReproducesTheDesiredSchema) {
  const std::string out = TempDirectory("generated");
  absl::StatusOr<std::vector<Migration>> base =
      LoadMigrationDirectory("tests/common/migrate/testdata/base");
  ASSERT_TRUE(base.ok()) << base.status();

  GenerateRequest request{"quest", "reshape_everything",
                          Admin(), {"tests/common/migrate/testdata/desired_schema.sql"},
                          out,     *base};
  absl::StatusOr<GenerateResult> result = GenerateMigration(request);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_FALSE(result->up_path.empty());
  const std::string up = absl::StrJoin(result->up, "\n");
  for (const char* expected :
       {"CREATE TABLE \"matches\"", "DROP TABLE \"old_table\"",
        "ADD COLUMN \"email\" text NOT NULL", "DROP COLUMN \"bio\"",
        "ALTER COLUMN \"level\" TYPE bigint", "ALTER COLUMN \"level\" SET DEFAULT 5",
        "ALTER COLUMN \"name\" DROP NOT NULL", "CREATE UNIQUE INDEX players_email_key",
        "CREATE INDEX players_team_id_idx", "DROP INDEX \"players_level_idx\"",
        "ADD CONSTRAINT \"players_team_id_fkey\" FOREIGN KEY (team_id) REFERENCES teams(id)",
        "DROP CONSTRAINT \"teams_captain_id_fkey\"", "ADD CONSTRAINT \"teams_title_check\" CHECK",
        "DROP CONSTRAINT \"players_level_check\""}) {
    EXPECT_NE(up.find(expected), std::string::npos) << expected << "\n" << up;
  }

  // Base migrations + the generated one == the desired schema built directly.
  absl::StatusOr<std::vector<Migration>> with_generated = LoadMigrationDirectory(out);
  ASSERT_TRUE(with_generated.ok()) << with_generated.status();
  std::vector<Migration> all = *base;
  all.insert(all.end(), with_generated->begin(), with_generated->end());
  ScratchDatabase migrated("quest");
  Migrator migrator(migrated.Conninfo(), all);
  ASSERT_TRUE(migrator.Run().ok());
  ScratchDatabase desired("quest");
  ApplyScript(desired, request.schema_files[0]);
  EXPECT_TRUE(SameSchema(SchemaOf(migrated), SchemaOf(desired)));

  // And its down part returns to exactly the base schema.
  ASSERT_TRUE(migrator.Revert().ok());
  ScratchDatabase base_only("quest");
  ASSERT_TRUE(Migrator(base_only.Conninfo(), *base).Run().ok());
  EXPECT_TRUE(SameSchema(SchemaOf(migrated), SchemaOf(base_only)));
}

TEST(SchemaGeneratorTest, EachServiceSchemaMatchesItsMigrations) {
  for (const char* service : {"quest", "notification", "social"}) {
    SCOPED_TRACE(service);
    const std::string out = TempDirectory(std::string("none-") + service);
    absl::StatusOr<std::vector<Migration>> migrations =
        LoadMigrationDirectories({"migrations/common", std::string("migrations/") + service});
    ASSERT_TRUE(migrations.ok());
    GenerateRequest request{service, "nothing",
                            Admin(), {"common/schema.sql", std::string(service) + "/schema.sql"},
                            out,     *migrations};
    absl::StatusOr<GenerateResult> result = GenerateMigration(request);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_TRUE(result->up.empty()) << absl::StrJoin(result->up, "\n");
    EXPECT_TRUE(result->up_path.empty()) << "wrote a migration with no change";
    EXPECT_FALSE(LoadMigrationDirectory(out)->size() > 0);
  }
}

TEST(SchemaGeneratorTest, RejectsBadNamesAndMissingSchema) {
  GenerateRequest request{"quest", "Bad Name", Admin(), {"quest/schema.sql"}, TempDirectory("bad"),
                          {}};
  EXPECT_EQ(GenerateMigration(request).status().code(), absl::StatusCode::kInvalidArgument);
  request.name = "fine";
  request.schema_files = {"no/such/schema.sql"};
  EXPECT_EQ(GenerateMigration(request).status().code(), absl::StatusCode::kNotFound);
}

TEST(SchemaGeneratorTest, NextVersionIsAfterTheLatest) {
  std::vector<Migration> future(1);
  future[0].version = "29991231235959";
  EXPECT_EQ(NextVersion(future), "29991231235960");
  std::string now = NextVersion({});
  EXPECT_EQ(now.size(), 14u);
  EXPECT_GT(now, "20260101000000");
}

}  // namespace
}  // namespace qs::migrate
