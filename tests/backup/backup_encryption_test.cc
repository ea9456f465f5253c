// Backups are encrypted on this machine before they leave it: no stored
// object (the local directory's files, s3rver's raw object files) holds a
// byte of the known row contents, while a plain pg_dump of the same
// database does (so the search would find them). Restoring with the wrong
// key fails naming the object and creates nothing.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "deploy/backup/process.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_tool_fixture.h"
#include "tests/support/s3rver.h"

namespace qs::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kMarker[] = "plaintext-canary-7f3a";

std::string ReadAll(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

// Every regular file under `directory` whose bytes contain `needle`.
// The files under `directory` holding `needle`; `searched` gets every
// file's name, whether it held it or not.
std::vector<std::string> FilesContaining(const std::string& directory, const std::string& needle,
                                         std::set<std::string>* searched) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    const std::string path = entry.path().string();
    searched->insert(path);
    if (ReadAll(path).find(needle) != std::string::npos) found.push_back(path);
  }
  return found;
}

class BackupEncryptionTest : public SharedBackupFixtureTest<BackupEncryptionTest> {
 public:
  static constexpr int kRows = 200;
  static constexpr const char* kMarker = ::qs::testing::kMarker;
};

TEST_F(BackupEncryptionTest, PlainDumpHoldsTheMarkerSoTheSearchCanFindIt) {
  const std::string plain = fixture_->TempDir("plain") + "/quest.dump";
  backup::Command dump;
  dump.argv = {"/usr/lib/postgresql/15/bin/pg_dump",
               "--format=custom",
               "--compress=0",
               "--host=127.0.0.1",
               absl::StrCat("--port=", fixture_->cluster().primary_port()),
               "--username=postgres",
               "--dbname=quest_db",
               absl::StrCat("--file=", plain)};
  dump.env = {{"PGPASSWORD", fixture_->cluster().admin_password()}};
  absl::StatusOr<backup::CommandResult> result = backup::Run(dump);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->exit_code, 0) << result->error_output;
  EXPECT_THAT(ReadAll(plain), HasSubstr(kMarker));
}

TEST_F(BackupEncryptionTest, StoredObjectsHoldNoPlaintext) {
  std::string local;
  ToolRun run = fixture_->RunTool({"run"}, fixture_->LocalTarget(&local));
  ASSERT_EQ(run.exit_code, 0) << run.All();
  S3rver s3;
  ToolRun s3_run = fixture_->RunTool({"run"}, s3.BackupEnv("encrypted"));
  ASSERT_EQ(s3_run.exit_code, 0) << s3_run.All();

  for (const std::string& directory : {local, s3.data_dir()}) {
    std::set<std::string> searched;
    // The marker in each table's text columns, and a row's title as a
    // whole: neither may appear in any stored byte.
    for (const std::string& needle : {std::string(kMarker), absl::StrCat(kMarker, "-17")}) {
      EXPECT_THAT(FilesContaining(directory, needle, &searched), ::testing::IsEmpty()) << directory;
    }
    // The three dumps and the three manifests were among the files searched.
    int dumps = 0;
    int manifests = 0;
    for (const std::string& path : searched) {
      if (absl::StrContains(path, ".dump.age")) ++dumps;
      if (absl::StrContains(path, ".manifest.json")) ++manifests;
    }
    EXPECT_GE(dumps, 3) << directory;
    EXPECT_GE(manifests, 3) << directory;
  }
  // pg_dump compresses, which alone could hide the marker: every stored dump
  // must be an age file, not a pg_dump archive ("PGDMP").
  int dumps = 0;
  for (const std::string& directory : {local, s3.data_dir()}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
      const std::string path = entry.path().string();
      // The local target's objects, and s3rver's object files (beside
      // its .md5 and metadata files).
      if (!entry.is_regular_file() || !(absl::EndsWith(path, ".dump.age") ||
                                        absl::EndsWith(path, ".dump.age._S3rver_object"))) {
        continue;
      }
      ++dumps;
      const std::string bytes = ReadAll(path);
      EXPECT_EQ(bytes.rfind("age-encryption.org/v1\n", 0), 0u) << path;
      EXPECT_EQ(bytes.find("PGDMP"), std::string::npos) << path;
    }
  }
  EXPECT_GE(dumps, 6);
}

TEST_F(BackupEncryptionTest, WrongKeyFailsNamingTheObjectAndCreatesNothing) {
  std::map<std::string, std::string> target = fixture_->LocalTarget();
  ToolRun run = fixture_->RunTool({"run"}, target);
  ASSERT_EQ(run.exit_code, 0) << run.All();
  const std::string id = BackupToolFixture::BackupIdIn(run.output, "quest_db");
  const std::string other_key = fixture_->TempDir("other-key") + "/identity.txt";
  backup::Command keygen;
  keygen.argv = {"age-keygen", "-o", other_key};
  ASSERT_EQ(backup::Run(keygen)->exit_code, 0);
  absl::StatusOr<std::string> oid = fixture_->DatabaseOid("quest_db");
  ASSERT_TRUE(oid.ok());

  target["BACKUP_AGE_IDENTITY_FILE"] = other_key;
  ToolRun restore = fixture_->RunTool({"restore", "--database", "quest_db", "--at", id}, target);
  EXPECT_EQ(restore.exit_code, 1) << restore.All();
  EXPECT_THAT(restore.errors, HasSubstr("quest_db/" + id + ".dump.age"));
  EXPECT_THAT(restore.errors, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(restore.errors, HasSubstr("the live database was not changed"));
  EXPECT_EQ(fixture_->DatabasesLike("quest_db_").value_or("?"), "");
  EXPECT_EQ(fixture_->DatabaseOid("quest_db").value_or(""), *oid);

  ToolRun verify = fixture_->RunTool({"verify", "--database", "quest_db"}, target);
  EXPECT_EQ(verify.exit_code, 1) << verify.All();
  EXPECT_THAT(verify.errors, HasSubstr("quest_db/" + id + ".dump.age"));
}

TEST_F(BackupEncryptionTest, MissingIdentityFileIsAConfigurationError) {
  std::map<std::string, std::string> target = fixture_->LocalTarget();
  target["BACKUP_AGE_IDENTITY_FILE"] = "/nonexistent/identity.txt";
  ToolRun restore =
      fixture_->RunTool({"restore", "--database", "quest_db", "--at", "latest"}, target);
  EXPECT_EQ(restore.exit_code, 2) << restore.All();
  EXPECT_THAT(restore.errors, HasSubstr("BACKUP_AGE_IDENTITY_FILE"));
  EXPECT_THAT(restore.errors, HasSubstr("/nonexistent/identity.txt"));
}

}  // namespace
}  // namespace qs::testing
