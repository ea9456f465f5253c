// `backup run`'s snapshot and role. The dump's tables are locked before its
// snapshot is taken, so a TRUNCATE committed while the backup waits for its
// locks is either wholly in the backup (with everything committed with it)
// or not at all; counting in an earlier snapshot made such a table look
// empty beside tables that did not yet have that transaction's rows. And the
// nightly job runs as the restricted role of deploy/backup/backup_role.sql,
// which can back everything up and write nothing.
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/config/db_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/backup/backup_tool_fixture.h"

namespace qs::testing {
namespace {

using ::testing::HasSubstr;

class DumpSnapshotTest : public SharedBackupFixtureTest<DumpSnapshotTest> {
 public:
  static constexpr int kRows = 100;
  static constexpr char kMarker[] = "snapshot";
};

TEST_F(DumpSnapshotTest, TruncateCommittedWhileTheBackupWaitsIsWhollyInIt) {
  BackupToolFixture& f = *fixture_;
  ASSERT_TRUE(f.Sql("quest_db",
                    "CREATE TABLE snap_a (id int PRIMARY KEY); "
                    "INSERT INTO snap_a SELECT generate_series(1, 100); "
                    "CREATE TABLE snap_b (id int PRIMARY KEY)")
                  .ok());
  // One transaction empties snap_a and fills snap_b; it holds snap_a's
  // ACCESS EXCLUSIVE lock until it commits.
  pqxx::connection writer(
      absl::StrCat("host=127.0.0.1 port=", f.cluster().primary_port(),
                   " dbname=quest_db user=postgres password=", f.cluster().admin_password(),
                   " sslmode=disable application_name=snapshot-writer"));
  pqxx::work change(writer);
  change.exec("TRUNCATE snap_a");
  change.exec("INSERT INTO snap_b VALUES (1), (2), (3)");

  std::map<std::string, std::string> target = f.LocalTarget();
  target["BACKUP_DATABASES"] = "quest_db";
  ToolRun run;
  std::thread backup([&] { run = f.RunTool({"run"}, target); });
  // Until the backup's session waits for a lock the change holds.
  bool waiting = false;
  for (int i = 0; i < 600 && !waiting; ++i) {
    waiting = f.Sql("postgres",
                    "SELECT count(*)::text FROM pg_stat_activity WHERE datname = 'quest_db' "
                    "AND application_name = 'backup' AND wait_event_type = 'Lock'")
                  .value_or("0") != "0";
    if (!waiting) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(waiting) << "the backup never waited for snap_a's lock";
  change.commit();
  backup.join();
  ASSERT_EQ(run.exit_code, 0) << run.All();

  const std::string id = BackupToolFixture::BackupIdIn(run.output, "quest_db");
  ToolRun restore = f.RunTool(
      {"restore", "--database", "quest_db", "--at", id, "--into", "quest_db_snapshot"}, target);
  ASSERT_EQ(restore.exit_code, 0) << restore.All();
  // The change is in the backup as a whole: snap_a empty AND snap_b filled.
  EXPECT_EQ(Count("quest_db_snapshot", "snap_a"), "0");
  EXPECT_EQ(Count("quest_db_snapshot", "snap_b"), "3");
  ASSERT_TRUE(f.Sql("postgres", "DROP DATABASE quest_db_snapshot").ok());
  ASSERT_TRUE(f.Sql("quest_db", "DROP TABLE snap_a, snap_b").ok());
}

TEST_F(DumpSnapshotTest, RunsAsTheRestrictedBackupRoleWhichCannotWrite) {
  BackupToolFixture& f = *fixture_;
  std::ifstream file("deploy/backup/backup_role.sql");
  ASSERT_TRUE(file.good()) << "deploy/backup/backup_role.sql not in the runfiles";
  std::stringstream sql;
  sql << file.rdbuf();
  absl::StatusOr<std::string> applied = f.Sql("postgres", sql.str());
  ASSERT_TRUE(applied.ok()) << applied.status();
  ASSERT_TRUE(f.Sql("postgres", "ALTER ROLE qs_backup PASSWORD 'backup-role-test'").ok());

  std::map<std::string, std::string> target = f.LocalTarget();
  std::map<std::string, std::string> as_backup_role = target;
  as_backup_role["BACKUP_PG_USER"] = "qs_backup";
  as_backup_role["BACKUP_PG_PASSWORD"] = "backup-role-test";
  ToolRun run = f.RunTool({"run"}, as_backup_role);
  ASSERT_EQ(run.exit_code, 0) << run.All();
  EXPECT_THAT(run.output, HasSubstr("3 of 3 databases backed up"));
  // An administrator can restore what the role backed up.
  ToolRun verify = f.RunTool({"verify"}, target);
  EXPECT_EQ(verify.exit_code, 0) << verify.All();

  for (const char* database : BackupToolFixture::kDatabases) {
    pqxx::connection role(
        absl::StrCat("host=127.0.0.1 port=", f.cluster().primary_port(), " dbname=", database,
                     " user=qs_backup password=backup-role-test sslmode=disable"));
    pqxx::nontransaction tx(role);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM schema_migrations")[0].as<int64_t>() > 0, true);
    try {
      tx.exec("DELETE FROM schema_migrations");
      ADD_FAILURE() << database << ": qs_backup could delete rows";
    } catch (const pqxx::insufficient_privilege& denied) {
      EXPECT_THAT(denied.what(), HasSubstr("permission denied")) << database;
    }
    try {
      tx.exec("CREATE TABLE public.written_by_backup (id int)");
      ADD_FAILURE() << database << ": qs_backup could create a table";
    } catch (const pqxx::insufficient_privilege& denied) {
      EXPECT_THAT(denied.what(), HasSubstr("permission denied")) << database;
    }
  }
  // Nor create a database (a restore is an administrator's act).
  ToolRun restore = f.RunTool(
      {"restore", "--database", "quest_db", "--at", "latest", "--into", "quest_db_by_backup_role"},
      as_backup_role);
  EXPECT_EQ(restore.exit_code, 1) << restore.All();
  EXPECT_THAT(restore.errors, HasSubstr("permission denied to create database"));
  EXPECT_EQ(f.DatabasesLike("quest_db_by_").value_or("?"), "");
}

}  // namespace
}  // namespace qs::testing
