// Faults the backup tool must name and survive: an unreachable target, a
// corrupted, truncated or swapped object, a manifest whose checksum does
// not match, and one database failing in `backup run` while the others are
// still backed up, a full staging disk, plaintext left in staging, bad
// usage. After a failed restore nothing restored is left behind and the
// live database is exactly as it was.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "deploy/backup/plaintext_staging.h"
#include "deploy/backup/process.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_tool_fixture.h"
#include "tests/support/s3rver.h"
#include "tests/support/tmpfs_mount.h"

namespace qs::testing {
namespace {

using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << bytes;
}

class BackupFaultsTest : public SharedBackupFixtureTest<BackupFaultsTest> {
 public:
  static constexpr int kRows = 500;
  static constexpr char kMarker[] = "faults";

 protected:
  // A fresh local backup of every database; its quest_db id.
  std::string BackUpLocally(std::map<std::string, std::string>& target, std::string& directory) {
    target = fixture_->LocalTarget(&directory);
    ToolRun run = fixture_->RunTool({"run"}, target);
    EXPECT_EQ(run.exit_code, 0) << run.All();
    return BackupToolFixture::BackupIdIn(run.output, "quest_db");
  }

  // Restores quest_db from a damaged backup: fails naming the object with
  // `expected`, leaves no new database and the live quest_db unchanged.
  void ExpectRestoreRefused(const std::map<std::string, std::string>& target, const std::string& id,
                            const std::string& expected) {
    absl::StatusOr<std::string> oid = fixture_->DatabaseOid("quest_db");
    absl::StatusOr<std::map<std::string, std::string>> before =
        fixture_->TableChecksums("quest_db");
    ASSERT_TRUE(oid.ok() && before.ok());
    ToolRun restore = fixture_->RunTool({"restore", "--database", "quest_db", "--at", id}, target);
    EXPECT_EQ(restore.exit_code, 1) << restore.All();
    EXPECT_THAT(restore.errors, HasSubstr("quest_db/" + id + ".dump.age"));
    EXPECT_THAT(restore.errors, HasSubstr(expected));
    EXPECT_THAT(restore.errors, HasSubstr("DATA_LOSS"));
    EXPECT_EQ(fixture_->DatabasesLike("quest_db_").value_or("?"), "");
    EXPECT_EQ(fixture_->DatabaseOid("quest_db").value_or(""), *oid);
    EXPECT_EQ(fixture_->TableChecksums("quest_db").value_or(std::map<std::string, std::string>()),
              *before);

    ToolRun verify = fixture_->RunTool({"verify", "--database", "quest_db", "--at", id}, target);
    EXPECT_EQ(verify.exit_code, 1) << verify.All();
    EXPECT_THAT(verify.errors, HasSubstr(expected));
    EXPECT_EQ(fixture_->DatabasesLike("quest_db_").value_or("?"), "");
  }
};

TEST_F(BackupFaultsTest, UnreachableStorageFailsNamingTheTarget) {
  S3rver s3;
  std::map<std::string, std::string> target = s3.BackupEnv("unreachable");
  ToolRun first = fixture_->RunTool({"run"}, target);
  ASSERT_EQ(first.exit_code, 0) << first.All();
  s3.Stop();
  ToolRun run = fixture_->RunTool({"run"}, target);
  EXPECT_EQ(run.exit_code, 1) << run.All();
  for (const char* database : BackupToolFixture::kDatabases) {
    EXPECT_THAT(run.errors, HasSubstr(absl::StrCat(database, ": FAILED"))) << run.errors;
  }
  EXPECT_THAT(run.errors, HasSubstr("s3://backups/unreachable"));
  EXPECT_THAT(run.errors, HasSubstr("UNAVAILABLE"));
  ToolRun restore =
      fixture_->RunTool({"restore", "--database", "quest_db", "--at", "latest"}, target);
  EXPECT_EQ(restore.exit_code, 1) << restore.All();
  EXPECT_THAT(restore.errors, HasSubstr("s3://backups/unreachable"));
  EXPECT_EQ(fixture_->DatabasesLike("quest_db_").value_or("?"), "");
}

TEST_F(BackupFaultsTest, CorruptedObjectIsRefusedBeforeDecrypting) {
  std::map<std::string, std::string> target;
  std::string directory;
  const std::string id = BackUpLocally(target, directory);
  const std::string object = directory + "/quest_db/" + id + ".dump.age";
  std::string bytes = ReadAll(object);
  ASSERT_GT(bytes.size(), 200u);
  bytes[bytes.size() / 2] ^= 0x01;  // one bit in the middle
  WriteAll(object, bytes);
  ExpectRestoreRefused(target, id, "checksum mismatch");
}

TEST_F(BackupFaultsTest, TruncatedObjectIsRefused) {
  std::map<std::string, std::string> target;
  std::string directory;
  const std::string id = BackUpLocally(target, directory);
  const std::string object = directory + "/quest_db/" + id + ".dump.age";
  std::filesystem::resize_file(object, std::filesystem::file_size(object) / 2);
  ExpectRestoreRefused(target, id, "the manifest says");
}

TEST_F(BackupFaultsTest, ManifestChecksumNotMatchingTheObjectIsRefused) {
  std::map<std::string, std::string> target;
  std::string directory;
  const std::string id = BackUpLocally(target, directory);
  const std::string manifest = directory + "/quest_db/" + id + ".manifest.json";
  std::string json = ReadAll(manifest);
  const size_t at = json.find("\"sha256\": \"");
  ASSERT_NE(at, std::string::npos) << json;
  json.replace(at + 11, 64, std::string(64, '0'));
  WriteAll(manifest, json);
  ExpectRestoreRefused(target, id, "checksum mismatch");
}

TEST_F(BackupFaultsTest, RestoredCopyNotMatchingTheManifestsRowCountsIsDropped) {
  std::map<std::string, std::string> target;
  std::string directory;
  const std::string id = BackUpLocally(target, directory);
  // The object is intact (its checksum matches); the manifest claims one
  // more puzzle than the dump holds.
  const std::string manifest = directory + "/quest_db/" + id + ".manifest.json";
  std::string json = ReadAll(manifest);
  const std::string rows = Count("quest_db", "puzzles");
  const std::string claimed = absl::StrCat("\"public.puzzles\": \"", rows, "\"");
  ASSERT_NE(json.find(claimed), std::string::npos) << json;
  json.replace(json.find(claimed), claimed.size(),
               absl::StrCat("\"public.puzzles\": \"", std::stoll(rows) + 1, "\""));
  WriteAll(manifest, json);
  const std::string oid = fixture_->DatabaseOid("quest_db").value_or("");
  ToolRun restore = fixture_->RunTool({"restore", "--database", "quest_db", "--at", id}, target);
  EXPECT_EQ(restore.exit_code, 1) << restore.All();
  EXPECT_THAT(restore.errors, HasSubstr(absl::StrCat("public.puzzles: ", std::stoll(rows) + 1,
                                                     " rows in the backup, ", rows, " restored")));
  EXPECT_EQ(fixture_->DatabasesLike("quest_db_").value_or("?"), "");
  EXPECT_EQ(fixture_->DatabaseOid("quest_db").value_or(""), oid);
}

TEST_F(BackupFaultsTest, PgRestoreFailingHalfwayLeavesNothingBehind) {
  // A dump that pg_restore cannot finish: a table owned by a role that no
  // longer exists where it is restored.
  ASSERT_TRUE(fixture_->Sql("quest_db", "CREATE ROLE doomed_owner").ok());
  ASSERT_TRUE(fixture_
                  ->Sql("quest_db",
                        "CREATE TABLE doomed_rows (id int PRIMARY KEY); "
                        "INSERT INTO doomed_rows SELECT generate_series(1, 10); "
                        "ALTER TABLE doomed_rows OWNER TO doomed_owner")
                  .ok());
  const std::string dump = fixture_->TempDir("plain") + "/quest.dump";
  backup::Command pg_dump;
  pg_dump.argv = {"/usr/lib/postgresql/15/bin/pg_dump",
                  "--format=custom",
                  "--host=127.0.0.1",
                  absl::StrCat("--port=", fixture_->cluster().primary_port()),
                  "--username=postgres",
                  "--dbname=quest_db",
                  absl::StrCat("--file=", dump)};
  pg_dump.env = {{"PGPASSWORD", fixture_->cluster().admin_password()}};
  ASSERT_EQ(backup::Run(pg_dump)->exit_code, 0);
  ASSERT_TRUE(fixture_->Sql("quest_db", "DROP TABLE doomed_rows; DROP ROLE doomed_owner").ok());
  absl::StatusOr<std::map<std::string, std::string>> before = fixture_->TableChecksums("quest_db");
  ASSERT_TRUE(before.ok());

  ToolRun restore = fixture_->RunTool({"restore", "--database", "quest_db", "--from-dump", dump},
                                      fixture_->LocalTarget());
  EXPECT_EQ(restore.exit_code, 1) << restore.All();
  EXPECT_THAT(restore.errors, HasSubstr("pg_restore failed"));
  EXPECT_THAT(restore.errors, HasSubstr("doomed_owner"));
  EXPECT_EQ(fixture_->DatabasesLike("quest_db_").value_or("?"), "");
  EXPECT_EQ(fixture_->TableChecksums("quest_db").value_or(std::map<std::string, std::string>()),
            *before);

  const std::string garbage = fixture_->TempDir("garbage") + "/not-a.dump";
  WriteAll(garbage, "this is not a pg_dump archive");
  ToolRun refused = fixture_->RunTool({"restore", "--database", "quest_db", "--from-dump", garbage},
                                      fixture_->LocalTarget());
  EXPECT_EQ(refused.exit_code, 1) << refused.All();
  EXPECT_THAT(refused.errors, HasSubstr(garbage));
  EXPECT_EQ(fixture_->DatabasesLike("quest_db_").value_or("?"), "");
}

TEST_F(BackupFaultsTest, OneDatabaseFailingDoesNotStopTheOthers) {
  std::string directory;
  std::map<std::string, std::string> target = fixture_->LocalTarget(&directory);
  target["BACKUP_DATABASES"] = "quest_db,no_such_db,social_db";
  ToolRun run = fixture_->RunTool({"run"}, target);
  EXPECT_EQ(run.exit_code, 1) << run.All();
  EXPECT_THAT(run.errors, HasSubstr("no_such_db: FAILED (NOT_FOUND)"));
  EXPECT_THAT(run.errors, HasSubstr("no_such_db/"));  // the object it was writing
  EXPECT_THAT(run.output, HasSubstr("2 of 3 databases backed up"));
  for (const char* database : {"quest_db", "social_db"}) {
    const std::string id = BackupToolFixture::BackupIdIn(run.output, database);
    ASSERT_FALSE(id.empty()) << run.output;
    EXPECT_TRUE(
        std::filesystem::exists(absl::StrCat(directory, "/", database, "/", id, ".manifest.json")));
  }
  EXPECT_FALSE(std::filesystem::exists(directory + "/no_such_db"));
  ToolRun verify = fixture_->RunTool({"verify", "--database", "social_db"}, target);
  EXPECT_EQ(verify.exit_code, 0) << verify.All();
}

// A staging disk that fills up: in `backup run` age dies of ENOSPC and
// pg_dump of SIGPIPE; the report is age's reason, RESOURCE_EXHAUSTED naming
// the database. In a restore the decrypted copy does not fit. Nothing is
// left on the disk either time.
TEST_F(BackupFaultsTest, FullStagingDiskIsResourceExhaustedAndLeavesNothing) {
  {
    TmpfsMount tiny("4k", /*read_only=*/false);
    ASSERT_TRUE(tiny.mounted()) << tiny.error();
    std::map<std::string, std::string> target = fixture_->LocalTarget();
    target["BACKUP_STAGING_DIR"] = tiny.path();
    target["BACKUP_DATABASES"] = "quest_db";
    ToolRun run = fixture_->RunTool({"run"}, target);
    EXPECT_EQ(run.exit_code, 1) << run.All();
    EXPECT_THAT(run.errors, HasSubstr("quest_db: FAILED (RESOURCE_EXHAUSTED)"));
    EXPECT_THAT(run.errors, HasSubstr("quest_db: age -e failed"));
    EXPECT_THAT(run.errors, HasSubstr("no space left on device"));
    EXPECT_TRUE(std::filesystem::is_empty(tiny.path()));
  }
  std::map<std::string, std::string> target;
  std::string directory;
  const std::string id = BackUpLocally(target, directory);
  const uintmax_t size = std::filesystem::file_size(directory + "/quest_db/" + id + ".dump.age");
  ASSERT_GT(size, 8192u) << "too small a dump to fill the disk in between";
  // Room for the encrypted copy and one more page: not for the plaintext.
  const uintmax_t pages = (size + 4095) / 4096 + 1;
  TmpfsMount small(absl::StrCat(pages * 4, "k"), /*read_only=*/false);
  ASSERT_TRUE(small.mounted()) << small.error();
  target["BACKUP_STAGING_DIR"] = small.path();
  ToolRun restore = fixture_->RunTool({"restore", "--database", "quest_db", "--at", id}, target);
  EXPECT_EQ(restore.exit_code, 1) << restore.All();
  EXPECT_THAT(restore.errors, HasSubstr("RESOURCE_EXHAUSTED"));
  EXPECT_THAT(restore.errors, HasSubstr("quest_db/" + id + ".dump.age"));
  EXPECT_THAT(restore.errors, HasSubstr("no space left on device"));
  EXPECT_TRUE(std::filesystem::is_empty(small.path()));
  EXPECT_EQ(fixture_->DatabasesLike("quest_db_").value_or("?"), "");
}

// The decrypted dump never outlives the command: not after a verify or a
// restore that worked, not after one that failed, and a dead run's
// directory (its lock no longer held) is removed by the next run.
TEST_F(BackupFaultsTest, StagingHoldsNoPlaintextAfterwards) {
  std::map<std::string, std::string> target;
  std::string directory;
  const std::string id = BackUpLocally(target, directory);
  const std::string staging = fixture_->TempDir("staging-kept");
  target["BACKUP_STAGING_DIR"] = staging;
  const std::string dead = staging + "/qs-backup-dead01";
  std::filesystem::create_directories(dead);
  WriteAll(dead + "/" + backup::PlaintextStaging::kLockFile, "");
  WriteAll(dead + "/plain.dump", "plaintext a killed run left");
  // Not a restore's (no lock file): left alone, it may be a live run's.
  const std::string other = staging + "/qs-backup-other1";
  std::filesystem::create_directories(other);

  ToolRun verify = fixture_->RunTool({"verify", "--database", "quest_db", "--at", id}, target);
  EXPECT_EQ(verify.exit_code, 0) << verify.All();
  EXPECT_FALSE(std::filesystem::exists(dead));
  auto only_other = [&] {
    std::vector<std::string> left;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(staging)) {
      left.push_back(entry.path().string());
    }
    return left;
  };
  EXPECT_THAT(only_other(), ::testing::ElementsAre(other));

  ToolRun restored = fixture_->RunTool(
      {"restore", "--database", "quest_db", "--at", id, "--into", "quest_db_staging"}, target);
  EXPECT_EQ(restored.exit_code, 0) << restored.All();
  EXPECT_THAT(only_other(), ::testing::ElementsAre(other));
  ASSERT_TRUE(fixture_->Sql("postgres", "DROP DATABASE quest_db_staging").ok());

  const std::string manifest = directory + "/quest_db/" + id + ".manifest.json";
  std::string json = ReadAll(manifest);
  const std::string table = "\"public.puzzles\": \"";
  ASSERT_NE(json.find(table), std::string::npos);
  json.insert(json.find(table) + table.size(), "9");  // a row count the dump does not have
  WriteAll(manifest, json);
  ToolRun refused = fixture_->RunTool({"restore", "--database", "quest_db", "--at", id}, target);
  EXPECT_EQ(refused.exit_code, 1) << refused.All();
  EXPECT_THAT(refused.errors, HasSubstr("DATA_LOSS"));
  EXPECT_THAT(only_other(), ::testing::ElementsAre(other));
}

// SIGTERM while a restore has the decrypted dump on disk: the tool removes
// it and dies of the signal.
TEST_F(BackupFaultsTest, SigtermDuringRestoreRemovesThePlaintext) {
  std::map<std::string, std::string> target;
  std::string directory;
  const std::string id = BackUpLocally(target, directory);
  const std::string staging = fixture_->TempDir("staging-signal");
  target["BACKUP_STAGING_DIR"] = staging;
  const backup::Command command = fixture_->ToolCommand(
      {"restore", "--database", "quest_db", "--at", id, "--into", "quest_db_signal"}, target);
  std::vector<std::string> env_strings;
  // The test's environment, with the tool's settings in place of any
  // variable of the same name (getenv takes the first).
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string variable = *entry;
    if (command.env.count(variable.substr(0, variable.find('='))) == 0) {
      env_strings.push_back(variable);
    }
  }
  for (const auto& [name, value] : command.env) env_strings.push_back(name + "=" + value);
  std::vector<char*> argv;
  for (const std::string& arg : command.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data()), 0);

  auto plaintext = [&] {
    std::vector<std::string> found;
    std::error_code ignored;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(staging, ignored)) {
      if (entry.path().filename() == "plain.dump") found.push_back(entry.path().string());
    }
    return found;
  };
  bool seen = false;
  for (int i = 0; i < 4000 && !seen; ++i) {
    seen = !plaintext().empty();
    if (!seen) absl::SleepFor(absl::Milliseconds(2));
  }
  ASSERT_TRUE(seen) << "the restore never staged its plaintext";
  kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  EXPECT_THAT(plaintext(), ::testing::IsEmpty());
  ASSERT_TRUE(fixture_->Sql("postgres", "DROP DATABASE IF EXISTS quest_db_signal").ok());
}

TEST_F(BackupFaultsTest, BadUsageIsExitTwo) {
  std::map<std::string, std::string> verify_target = fixture_->LocalTarget();
  ToolRun typo = fixture_->RunTool({"verify", "--database", "qeust_db"}, verify_target);
  EXPECT_EQ(typo.exit_code, 2) << typo.All();
  EXPECT_THAT(typo.errors, HasSubstr("--database: qeust_db is not one of BACKUP_DATABASES"));
  std::map<std::string, std::string> target = fixture_->LocalTarget();
  EXPECT_EQ(fixture_->RunTool({"restore", "--database", "quest_db"}, target).exit_code, 2);
  EXPECT_EQ(
      fixture_->RunTool({"restore", "--database", "other_db", "--at", "latest"}, target).exit_code,
      2);
  EXPECT_EQ(fixture_->RunTool({"frobnicate"}, target).exit_code, 2);
  ToolRun help = fixture_->RunTool({"--help"}, target);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output, HasSubstr("exit status"));
}

}  // namespace
}  // namespace qs::testing
