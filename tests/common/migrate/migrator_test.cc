// The migration engine against real PostgreSQL, each test on a scratch
// database of its own.
#include "common/migrate/migrator.h"

#include <thread>

#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::migrate {
namespace {

using qs::testing::ScratchDatabase;

std::vector<Migration> Parse(std::vector<MigrationFile> files) {
  absl::StatusOr<std::vector<Migration>> migrations = ParseMigrationFiles(files);
  EXPECT_TRUE(migrations.ok()) << migrations.status();
  return *migrations;
}

std::vector<Migration> TwoTables() {
  return Parse({{"20260101000000_create_alpha.up.sql",
                 "CREATE TABLE alpha (id uuid PRIMARY KEY DEFAULT gen_random_uuid());"},
                {"20260101000000_create_alpha.down.sql", "DROP TABLE alpha;"},
                {"20260102000000_create_beta.up.sql",
                 "CREATE TABLE beta (id uuid PRIMARY KEY DEFAULT gen_random_uuid());\n"
                 "SELECT pg_sleep(0.2);"},
                {"20260102000000_create_beta.down.sql", "DROP TABLE beta;"}});
}

bool TableExists(const ScratchDatabase& db, const std::string& table) {
  pqxx::connection connection(db.Conninfo());
  pqxx::nontransaction tx(connection);
  return tx.exec_params1("SELECT to_regclass($1) IS NOT NULL", table)[0].as<bool>();
}

int64_t AppliedRows(const ScratchDatabase& db) {
  pqxx::connection connection(db.Conninfo());
  pqxx::nontransaction tx(connection);
  return tx.exec1("SELECT count(*) FROM schema_migrations")[0].as<int64_t>();
}

TEST(MigratorTest, RunStatusRevertRunRoundTripOnEveryService) {
  for (const char* service : {"quest", "notification", "social"}) {
    SCOPED_TRACE(service);
    ScratchDatabase db(service);
    absl::StatusOr<std::vector<Migration>> migrations =
        LoadMigrationDirectories({"migrations/common", std::string("migrations/") + service});
    ASSERT_TRUE(migrations.ok());
    Migrator migrator(db.Conninfo(), *migrations);

    absl::StatusOr<MigrationStatus> before = migrator.Status();
    ASSERT_TRUE(before.ok()) << before.status();
    EXPECT_TRUE(before->applied.empty());
    EXPECT_EQ(before->pending.size(), migrations->size());

    absl::StatusOr<std::vector<AppliedMigration>> applied = migrator.Run();
    ASSERT_TRUE(applied.ok()) << applied.status();
    EXPECT_EQ(applied->size(), migrations->size());
    absl::StatusOr<MigrationStatus> after = migrator.Status();
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->applied.size(), migrations->size());
    EXPECT_TRUE(after->pending.empty());
    EXPECT_TRUE(after->drift.empty());
    EXPECT_FALSE(after->applied.back().applied_at.empty());

    absl::StatusOr<AppliedMigration> reverted = migrator.Revert();
    ASSERT_TRUE(reverted.ok()) << reverted.status();
    EXPECT_EQ(reverted->version, migrations->back().version);
    EXPECT_EQ(migrator.Status()->pending.size(), 1u);

    applied = migrator.Run();
    ASSERT_TRUE(applied.ok()) << applied.status();
    EXPECT_EQ(applied->size(), 1u);
    EXPECT_TRUE(migrator.Run()->empty()) << "a second run applies nothing";
  }
}

TEST(MigratorTest, ConcurrentRunsApplyEachMigrationOnce) {
  ScratchDatabase db("quest");
  std::vector<absl::StatusOr<std::vector<AppliedMigration>>> results(4);
  std::vector<std::thread> runners;
  for (int i = 0; i < 4; ++i) {
    runners.emplace_back([&, i] { results[i] = Migrator(db.Conninfo(), TwoTables()).Run(); });
  }
  for (std::thread& runner : runners) runner.join();
  size_t total_applied = 0;
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    total_applied += result->size();
  }
  EXPECT_EQ(total_applied, 2u);
  EXPECT_EQ(AppliedRows(db), 2);
}

TEST(MigratorTest, EditedAppliedMigrationIsDriftAndStopsRunAndRevert) {
  ScratchDatabase db("quest");
  ASSERT_TRUE(Migrator(db.Conninfo(), TwoTables()).Run().ok());
  std::vector<Migration> edited = TwoTables();
  edited[0].up_sql += "\n-- edited";
  edited[0].checksum = Sha256Hex(edited[0].up_sql);
  edited.push_back(Parse({{"20260103000000_create_gamma.up.sql", "CREATE TABLE gamma ();"},
                          {"20260103000000_create_gamma.down.sql", "DROP TABLE gamma;"}})[0]);
  Migrator migrator(db.Conninfo(), edited);
  absl::StatusOr<std::vector<AppliedMigration>> run = migrator.Run();
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(run.status().message().find("20260101000000_create_alpha"), std::string::npos)
      << run.status();
  EXPECT_NE(run.status().message().find("checksum"), std::string::npos);
  EXPECT_FALSE(TableExists(db, "gamma")) << "nothing runs past drift";
  EXPECT_EQ(migrator.Revert().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(migrator.Status()->drift.size(), 1u);
}

TEST(MigratorTest, MissingFileOfAnAppliedMigrationIsDrift) {
  ScratchDatabase db("quest");
  ASSERT_TRUE(Migrator(db.Conninfo(), TwoTables()).Run().ok());
  std::vector<Migration> fewer = TwoTables();
  fewer.pop_back();
  absl::StatusOr<std::vector<AppliedMigration>> run = Migrator(db.Conninfo(), fewer).Run();
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("20260102000000_create_beta has no file"),
            std::string::npos)
      << run.status();
}

TEST(MigratorTest, FailingMigrationRollsBackAndLeavesTheLastGoodVersion) {
  ScratchDatabase db("quest");
  std::vector<Migration> migrations = TwoTables();
  migrations.push_back(Parse({{"20260103000000_broken.up.sql",
                               "CREATE TABLE half_done (id uuid);\n"
                               "ALTER TABLE no_such_table ADD COLUMN x int;"},
                              {"20260103000000_broken.down.sql", "DROP TABLE half_done;"}})[0]);
  absl::StatusOr<std::vector<AppliedMigration>> run = Migrator(db.Conninfo(), migrations).Run();
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(run.status().message().find("20260103000000_broken"), std::string::npos);
  EXPECT_NE(run.status().message().find("no_such_table"), std::string::npos) << run.status();
  EXPECT_FALSE(TableExists(db, "half_done")) << "half-applied migration";
  EXPECT_TRUE(TableExists(db, "beta"));
  EXPECT_EQ(AppliedRows(db), 2);
}

TEST(MigratorTest, RevertWithNothingAppliedIsNotFound) {
  ScratchDatabase db("quest");
  EXPECT_EQ(Migrator(db.Conninfo(), TwoTables()).Revert().status().code(),
            absl::StatusCode::kNotFound);
}

TEST(MigratorTest, UnreachableServerIsUnavailable) {
  config::DbConfig db = qs::testing::TestInfra::Get().ServiceDbConfig("quest");
  db.connect_timeout = absl::Seconds(2);
  Migrator migrator(db.ConnectionString("127.0.0.1", qs::testing::FreeLoopbackPort(), "t"),
                    TwoTables());
  EXPECT_EQ(migrator.Run().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace qs::migrate
