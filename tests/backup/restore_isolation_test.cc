// Restoring one service's database over the live one: the other two
// databases are untouched (same pg_database oid, same checksums), the live
// database answers the service's role while the restore runs and refuses
// connections only for the switch itself (measured and printed), and the
// service's role then reads the restored data. Also --into (no switch) and
// --from-dump (a plain dump, grants copied from the live database).
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/config/db_config.h"
#include "deploy/backup/process.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/backup/backup_tool_fixture.h"

namespace qs::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Reads quest_db as quest_svc every few milliseconds, recording the
// longest run of failed reads and how many reads worked.
class Reader {
 public:
  explicit Reader(const BackupToolFixture& fixture)
      : thread_([this, &fixture] {
          absl::Time failing_since = absl::InfiniteFuture();
          while (!stop_.load()) {
            absl::StatusOr<int64_t> rows =
                fixture.CountAsServiceRole("quest", "quest_db", "puzzles");
            const absl::Time now = absl::Now();
            std::lock_guard<std::mutex> lock(mutex_);
            last_ok_ = rows.ok();
            if (rows.ok()) {
              ++successes_;
              // From the first refused read to this one that worked.
              if (failing_since != absl::InfiniteFuture()) {
                longest_gap_ = std::max(longest_gap_, now - failing_since);
              }
              failing_since = absl::InfiniteFuture();
            } else {
              ++failures_;
              if (first_failure_.empty()) first_failure_ = std::string(rows.status().message());
              if (failing_since == absl::InfiniteFuture()) failing_since = now;
            }
            absl::SleepFor(absl::Milliseconds(5));
          }
        }) {}
  ~Reader() { Stop(); }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  // The last read worked: the reader ended on a working database.
  bool ended_ok() const { return last_ok_; }
  int successes() const { return successes_; }
  int failures() const { return failures_; }
  absl::Duration longest_gap() const { return longest_gap_; }
  const std::string& first_failure() const { return first_failure_; }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  int successes_ = 0;
  bool last_ok_ = false;
  int failures_ = 0;
  absl::Duration longest_gap_ = absl::ZeroDuration();
  std::string first_failure_;
  std::thread thread_;
};

class RestoreIsolationTest : public SharedBackupFixtureTest<RestoreIsolationTest> {
 public:
  static constexpr int kRows = 2000;
  static constexpr char kMarker[] = "isolation";
};

TEST_F(RestoreIsolationTest, RestoreOverTheLiveDatabaseLeavesTheOthersUntouched) {
  BackupToolFixture& f = *fixture_;
  std::map<std::string, std::string> target = f.LocalTarget();
  ToolRun run = f.RunTool({"run"}, target);
  ASSERT_EQ(run.exit_code, 0) << run.All();
  const std::string id = BackupToolFixture::BackupIdIn(run.output, "quest_db");
  absl::StatusOr<std::map<std::string, std::string>> at_backup = f.TableChecksums("quest_db");
  ASSERT_TRUE(at_backup.ok());
  const std::string rows_at_backup = Count("quest_db", "puzzles");

  // After the backup: rows the restore must take away, in all three.
  absl::Status loaded = f.LoadKnownRows(100, "after-backup");
  ASSERT_TRUE(loaded.ok()) << loaded;
  std::map<std::string, std::string> oids;
  std::map<std::string, std::map<std::string, std::string>> others;
  for (const char* database : BackupToolFixture::kDatabases) {
    oids[database] = f.DatabaseOid(database).value_or("");
    ASSERT_FALSE(oids[database].empty());
    if (std::string(database) != "quest_db") others[database] = *f.TableChecksums(database);
  }

  Reader reader(f);
  absl::SleepFor(absl::Milliseconds(200));
  ToolRun restore = f.RunTool({"restore", "--database", "quest_db", "--at", id}, target);
  absl::SleepFor(absl::Milliseconds(300));
  reader.Stop();
  ASSERT_EQ(restore.exit_code, 0) << restore.All();
  EXPECT_THAT(restore.output, HasSubstr("switched: the previous database is kept as "
                                        "quest_db_pre_restore_"));
  std::printf("restore over live quest_db: %d reads ok, %d refused, longest refusal %s (%s)\n",
              reader.successes(), reader.failures(),
              absl::FormatDuration(reader.longest_gap()).c_str(), reader.first_failure().c_str());
  // The live database served while the copy was restored and checked; it
  // refused connections only around the rename.
  EXPECT_GT(reader.successes(), 20);
  EXPECT_LT(reader.longest_gap(), absl::Seconds(2));
  EXPECT_TRUE(reader.ended_ok());

  EXPECT_EQ(f.TableChecksums("quest_db").value_or(std::map<std::string, std::string>()),
            *at_backup);
  EXPECT_NE(f.DatabaseOid("quest_db").value_or(""), oids["quest_db"]);
  // ANALYZEd before the switch: the planner has statistics from the start.
  EXPECT_THAT(restore.output, HasSubstr("analyze "));
  EXPECT_NE(f.Sql("quest_db", "SELECT count(*)::text FROM pg_stats WHERE tablename = 'puzzles'")
                .value_or("0"),
            "0");
  absl::StatusOr<int64_t> read = f.CountAsServiceRole("quest", "quest_db", "puzzles");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(std::to_string(*read), rows_at_backup);
  for (const auto& [database, checksums] : others) {
    EXPECT_EQ(f.DatabaseOid(database).value_or(""), oids[database]) << database;
    EXPECT_EQ(f.TableChecksums(database).value_or(std::map<std::string, std::string>()), checksums)
        << database;
  }
  // The previous database is kept, with the rows written after the backup,
  // and takes no connections.
  absl::StatusOr<std::string> kept = f.DatabasesLike("quest_db_pre_restore_");
  ASSERT_TRUE(kept.ok());
  EXPECT_THAT(*kept, StartsWith("quest_db_pre_restore_"));
  ASSERT_TRUE(f.Sql("postgres", "ALTER DATABASE \"" + *kept + "\" ALLOW_CONNECTIONS true").ok());
  EXPECT_EQ(f.Sql(*kept, "SELECT count(*)::text FROM puzzles WHERE title LIKE 'after-backup-%'")
                .value_or("?"),
            "100");
  ASSERT_TRUE(f.Sql("postgres", "ALTER DATABASE \"" + *kept + "\" ALLOW_CONNECTIONS false").ok());
  EXPECT_EQ(f.Sql("postgres", "SELECT oid::text FROM pg_database WHERE datname = '" + *kept + "'")
                .value_or(""),
            oids["quest_db"]);
  EXPECT_EQ(f.Sql("postgres",
                  "SELECT datallowconn::text FROM pg_database WHERE datname = '" + *kept + "'")
                .value_or(""),
            "false");
  ASSERT_TRUE(f.Sql("postgres", "DROP DATABASE \"" + *kept + "\"").ok());
}

TEST_F(RestoreIsolationTest, IntoANewNameSwitchesNothing) {
  BackupToolFixture& f = *fixture_;
  std::map<std::string, std::string> target = f.LocalTarget();
  ToolRun run = f.RunTool({"run"}, target);
  ASSERT_EQ(run.exit_code, 0) << run.All();
  const std::string oid = f.DatabaseOid("quest_db").value_or("");
  ToolRun restore = f.RunTool(
      {"restore", "--database", "quest_db", "--at", "latest", "--into", "quest_db_copy"}, target);
  ASSERT_EQ(restore.exit_code, 0) << restore.All();
  EXPECT_THAT(restore.output, HasSubstr("nothing switched"));
  EXPECT_EQ(f.DatabaseOid("quest_db").value_or(""), oid);
  EXPECT_EQ(Count("quest_db_copy", "puzzles"), Count("quest_db", "puzzles"));
  EXPECT_TRUE(f.CountAsServiceRole("quest", "quest_db_copy", "puzzles").ok());
  // The name is taken now: a second restore into it refuses to write there.
  ToolRun again = f.RunTool(
      {"restore", "--database", "quest_db", "--at", "latest", "--into", "quest_db_copy"}, target);
  EXPECT_EQ(again.exit_code, 1) << again.All();
  EXPECT_THAT(again.errors, HasSubstr("already exists"));
  ASSERT_TRUE(f.Sql("postgres", "DROP DATABASE quest_db_copy").ok());
}

// A restore killed before its switch leaves <db>_restore_<id> behind; the
// next restore of that backup replaces it instead of failing on the name.
TEST_F(RestoreIsolationTest, ACopyLeftByAKilledRestoreIsReplaced) {
  BackupToolFixture& f = *fixture_;
  std::map<std::string, std::string> target = f.LocalTarget();
  ToolRun run = f.RunTool({"run"}, target);
  ASSERT_EQ(run.exit_code, 0) << run.All();
  const std::string id = BackupToolFixture::BackupIdIn(run.output, "quest_db");
  const std::string leftover = absl::AsciiStrToLower(absl::StrCat("quest_db_restore_", id));
  ASSERT_TRUE(f.Sql("postgres", absl::StrCat("CREATE DATABASE ", leftover)).ok());
  ToolRun restore = f.RunTool({"restore", "--database", "quest_db", "--at", id}, target);
  ASSERT_EQ(restore.exit_code, 0) << restore.All();
  EXPECT_THAT(restore.errors, HasSubstr("left by an earlier restore"));
  EXPECT_EQ(f.DatabaseOid(leftover).value_or("?"), "") << restore.All();
  EXPECT_NE(Count("quest_db", "puzzles"), "0");
  absl::StatusOr<std::string> kept = f.DatabasesLike("quest_db_pre_restore_");
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(f.Sql("postgres", "DROP DATABASE \"" + *kept + "\"").ok());
}

TEST_F(RestoreIsolationTest, FromDumpCopiesTheLiveGrants) {
  BackupToolFixture& f = *fixture_;
  const std::string dump = f.TempDir("plain") + "/social.dump";
  backup::Command pg_dump;
  pg_dump.argv = {"/usr/lib/postgresql/15/bin/pg_dump",
                  "--format=custom",
                  "--host=127.0.0.1",
                  absl::StrCat("--port=", f.cluster().primary_port()),
                  "--username=postgres",
                  "--dbname=social_db",
                  absl::StrCat("--file=", dump)};
  pg_dump.env = {{"PGPASSWORD", f.cluster().admin_password()}};
  ASSERT_EQ(backup::Run(pg_dump)->exit_code, 0);
  absl::StatusOr<std::map<std::string, std::string>> dumped = f.TableChecksums("social_db");
  const std::string acl =
      f.Sql("postgres", "SELECT datacl::text FROM pg_database WHERE datname = 'social_db'")
          .value_or("?");
  ASSERT_TRUE(f.Sql("social_db", "DELETE FROM guilds WHERE name LIKE 'isolation-1%'").ok());

  std::map<std::string, std::string> no_target;  // --from-dump needs no target or key
  no_target["BACKUP_TARGET"] = "";
  no_target["BACKUP_AGE_IDENTITY_FILE"] = "";
  ToolRun restore =
      f.RunTool({"restore", "--database", "social_db", "--from-dump", dump}, no_target);
  ASSERT_EQ(restore.exit_code, 0) << restore.All();
  EXPECT_EQ(f.TableChecksums("social_db").value_or(std::map<std::string, std::string>()), *dumped);
  EXPECT_EQ(f.Sql("postgres", "SELECT datacl::text FROM pg_database WHERE datname = 'social_db'")
                .value_or(""),
            acl);
  EXPECT_TRUE(f.CountAsServiceRole("social", "social_db", "guilds").ok());
  const std::string kept = f.DatabasesLike("social_db_pre_restore_").value_or("");
  ASSERT_FALSE(kept.empty());
  ASSERT_TRUE(f.Sql("postgres", "DROP DATABASE \"" + kept + "\"").ok());

  // Without a live database nothing says what the owner and ACL should be.
  ASSERT_TRUE(f.Sql("postgres", "ALTER DATABASE social_db RENAME TO social_db_aside").ok());
  ToolRun orphan =
      f.RunTool({"restore", "--database", "social_db", "--from-dump", dump}, no_target);
  EXPECT_EQ(orphan.exit_code, 1) << orphan.All();
  EXPECT_THAT(orphan.errors, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_EQ(f.DatabasesLike("social_db").value_or("?"), "social_db_aside");
  ASSERT_TRUE(f.Sql("postgres", "ALTER DATABASE social_db_aside RENAME TO social_db").ok());
}

// A read session on the streaming replica (what a service's read pool
// holds) is ended by the restore once the replica has replayed the switch,
// and a new one reads the restored rows; without a configured replica the
// tool says to restart the read pools.
TEST_F(RestoreIsolationTest, ReplicaSessionsOnThePreviousDatabaseAreEnded) {
  BackupToolFixture& f = *fixture_;
  std::map<std::string, std::string> target = f.LocalTarget();
  ToolRun run = f.RunTool({"run"}, target);
  ASSERT_EQ(run.exit_code, 0) << run.All();
  const std::string id = BackupToolFixture::BackupIdIn(run.output, "quest_db");
  const std::string rows_at_backup = Count("quest_db", "puzzles");
  ASSERT_TRUE(f.LoadKnownRows(50, "replica-later").ok());

  config::DbConfig reader = f.cluster().ServiceDbConfig("quest");
  const std::string on_replica =
      reader.ConnectionString(reader.read_host, reader.read_port, "read-pool");
  pqxx::connection old_session(on_replica);
  const int64_t before =
      pqxx::nontransaction(old_session).exec1("SELECT count(*) FROM puzzles")[0].as<int64_t>();
  EXPECT_EQ(before, std::stoll(rows_at_backup) + 50);

  ToolRun restore = f.RunTool({"restore", "--database", "quest_db", "--at", id}, target);
  ASSERT_EQ(restore.exit_code, 0) << restore.All();
  EXPECT_THAT(restore.output, HasSubstr("has replayed the switch"));
  EXPECT_THAT(restore.output, ::testing::Not(HasSubstr(" 0 session(s)")));
  EXPECT_THROW(pqxx::nontransaction(old_session).exec("SELECT count(*) FROM puzzles"),
               std::exception);
  pqxx::connection new_session(on_replica);
  EXPECT_EQ(pqxx::nontransaction(new_session)
                .exec1("SELECT count(*)::text FROM puzzles")[0]
                .as<std::string>(),
            rows_at_backup);
  const std::string kept = f.DatabasesLike("quest_db_pre_restore_").value_or("");
  ASSERT_FALSE(kept.empty());
  ASSERT_TRUE(f.Sql("postgres", "DROP DATABASE \"" + kept + "\"").ok());

  // No replica configured: switched all the same, with a clear warning.
  target["BACKUP_PG_READ_HOST"] = "";
  ToolRun unwarned = f.RunTool({"restore", "--database", "quest_db", "--at", id}, target);
  ASSERT_EQ(unwarned.exit_code, 0) << unwarned.All();
  EXPECT_THAT(unwarned.output, HasSubstr("restart the services' read pools"));
  const std::string kept_again = f.DatabasesLike("quest_db_pre_restore_").value_or("");
  ASSERT_FALSE(kept_again.empty());
  ASSERT_TRUE(f.Sql("postgres", "DROP DATABASE \"" + kept_again + "\"").ok());
}

// A switch that cannot complete (a session on the restored copy makes every
// rename fail) keeps the checked copy, reopens the live database, and
// prints the command that switches the copy in later, which then works.
TEST_F(RestoreIsolationTest, FailedSwitchKeepsTheCheckedCopyForSwitchTo) {
  BackupToolFixture& f = *fixture_;
  std::map<std::string, std::string> target = f.LocalTarget();
  ToolRun run = f.RunTool({"run"}, target);
  ASSERT_EQ(run.exit_code, 0) << run.All();
  const std::string id = BackupToolFixture::BackupIdIn(run.output, "quest_db");
  absl::StatusOr<std::map<std::string, std::string>> at_backup = f.TableChecksums("quest_db");
  ASSERT_TRUE(at_backup.ok());
  ASSERT_TRUE(f.LoadKnownRows(20, "switch-later").ok());
  const std::string live_oid = f.DatabaseOid("quest_db").value_or("");
  const std::string copy = "quest_db_restore_" + absl::AsciiStrToLower(id);

  // Connects to the copy as soon as the restore has created it.
  std::unique_ptr<pqxx::connection> blocker;
  std::thread block([&] {
    config::DbConfig db = f.cluster().ServiceDbConfig("quest");
    db.name = copy;
    for (int i = 0; i < 3000 && blocker == nullptr; ++i) {
      try {
        blocker = std::make_unique<pqxx::connection>(
            db.ConnectionString(db.host, db.port, "copy-blocker"));
      } catch (const std::exception&) {
        absl::SleepFor(absl::Milliseconds(10));
      }
    }
  });
  ToolRun restore = f.RunTool({"restore", "--database", "quest_db", "--at", id}, target);
  block.join();
  ASSERT_NE(blocker, nullptr);
  EXPECT_EQ(restore.exit_code, 1) << restore.All();
  EXPECT_THAT(restore.errors, HasSubstr("being accessed by other users"));
  EXPECT_THAT(restore.errors, HasSubstr("quest_db accepts connections again, unchanged"));
  EXPECT_THAT(restore.errors, HasSubstr("the checked copy is kept as " + copy));
  const std::string command = "backup restore --database quest_db --switch-to " + copy;
  EXPECT_THAT(restore.errors, HasSubstr(command));
  EXPECT_THAT(restore.errors, ::testing::Not(HasSubstr("the live database was not changed")));
  EXPECT_EQ(f.DatabaseOid("quest_db").value_or(""), live_oid);
  EXPECT_EQ(
      f.Sql("postgres", "SELECT datallowconn::text FROM pg_database WHERE datname = 'quest_db'")
          .value_or(""),
      "true");
  const std::string copy_oid = f.DatabaseOid(copy).value_or("");
  ASSERT_FALSE(copy_oid.empty());

  blocker.reset();
  ToolRun switched = f.RunTool({"restore", "--database", "quest_db", "--switch-to", copy}, target);
  ASSERT_EQ(switched.exit_code, 0) << switched.All();
  EXPECT_EQ(f.DatabaseOid("quest_db").value_or(""), copy_oid);
  EXPECT_EQ(f.TableChecksums("quest_db").value_or(std::map<std::string, std::string>()),
            *at_backup);
  EXPECT_TRUE(f.CountAsServiceRole("quest", "quest_db", "puzzles").ok());
  const std::string kept = f.DatabasesLike("quest_db_pre_restore_").value_or("");
  ASSERT_FALSE(kept.empty());
  ASSERT_TRUE(f.Sql("postgres", "DROP DATABASE \"" + kept + "\"").ok());

  // --switch-to names an existing database that is not a live one.
  EXPECT_EQ(f.RunTool({"restore", "--database", "quest_db", "--switch-to", "social_db"}, target)
                .exit_code,
            2);
  ToolRun missing =
      f.RunTool({"restore", "--database", "quest_db", "--switch-to", "no_such_copy"}, target);
  EXPECT_EQ(missing.exit_code, 1) << missing.All();
  EXPECT_THAT(missing.errors, HasSubstr("no_such_copy does not exist"));
}

}  // namespace
}  // namespace qs::testing
