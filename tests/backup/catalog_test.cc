// ReadCatalog over a real local target (and once over s3rver): which
// objects make a complete backup, and why the others do not.
#include "deploy/backup/catalog.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "deploy/backup/local_storage.h"
#include "deploy/backup/manifest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_targets.h"

namespace qs::backup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const absl::Time kDay1 =
    absl::FromCivil(absl::CivilSecond(2026, 11, 1, 0, 0, 7), absl::UTCTimeZone());

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override { target_ = TestTarget::Create(TargetKind::kLocal); }

  void PutText(const std::string& key, const std::string& text) {
    const std::string path = absl::StrCat(NewTestDirectory("obj"), "/o");
    std::ofstream(path) << text;
    ASSERT_TRUE(target_->storage().Put(path, key).ok()) << key;
  }

  Catalog Read(const std::vector<std::string>& databases = {"quest_db", "social_db"}) {
    absl::StatusOr<Catalog> catalog =
        ReadCatalog(target_->storage(), databases, target_->config().staging_dir);
    EXPECT_TRUE(catalog.ok()) << catalog.status();
    return catalog.ok() ? *catalog : Catalog{};
  }

  std::unique_ptr<TestTarget> target_;
};

std::vector<std::string> Ids(const Catalog& catalog) {
  std::vector<std::string> ids;
  for (const auto& backup : catalog.backups) {
    ids.push_back(backup.database() + "/" + backup.backup_id());
  }
  return ids;
}

TEST_F(CatalogTest, CompleteBackupsByDatabaseThenOldestFirst) {
  PutTestBackup(target_->storage(), "social_db", kDay1);
  PutTestBackup(target_->storage(), "quest_db", kDay1 + absl::Hours(48));
  PutTestBackup(target_->storage(), "quest_db", kDay1);
  const Catalog catalog = Read();
  EXPECT_THAT(Ids(catalog), ElementsAre("quest_db/20261101T000007Z", "quest_db/20261103T000007Z",
                                        "social_db/20261101T000007Z"));
  EXPECT_THAT(catalog.incomplete_keys, IsEmpty());
  EXPECT_EQ(catalog.backups[0].object_key(), "quest_db/20261101T000007Z.dump.age");
}

TEST_F(CatalogTest, OnlyTheNamedDatabasesAreRead) {
  PutTestBackup(target_->storage(), "quest_db", kDay1);
  PutTestBackup(target_->storage(), "quest_db_verify", kDay1);  // a prefix of another name
  EXPECT_THAT(Ids(Read({"quest_db"})), ElementsAre("quest_db/20261101T000007Z"));
}

TEST_F(CatalogTest, ADumpWithoutManifestIsIncomplete) {
  PutText("quest_db/20261101T000007Z.dump.age", "cut off before its manifest");
  const Catalog catalog = Read();
  EXPECT_THAT(catalog.backups, IsEmpty());
  EXPECT_THAT(catalog.incomplete_keys, ElementsAre("quest_db/20261101T000007Z.dump.age"));
  EXPECT_THAT(catalog.incomplete_reasons.at("quest_db/20261101T000007Z.dump.age"),
              HasSubstr("no manifest"));
}

TEST_F(CatalogTest, ADamagedManifestMakesItsBackupIncomplete) {
  const auto good = PutTestBackup(target_->storage(), "quest_db", kDay1);
  PutText(ManifestKey("quest_db", good.backup_id()), "{\"backupId\": \"2026");
  const Catalog catalog = Read();
  EXPECT_THAT(catalog.backups, IsEmpty());
  EXPECT_THAT(catalog.incomplete_keys,
              ElementsAre(good.object_key(), ManifestKey("quest_db", good.backup_id())));
  EXPECT_THAT(catalog.incomplete_reasons.at(ManifestKey("quest_db", good.backup_id())),
              HasSubstr("damaged manifest"));
  // The dump has a manifest; it is the manifest that is damaged.
  const std::string& dump_reason = catalog.incomplete_reasons.at(good.object_key());
  EXPECT_THAT(dump_reason, Not(HasSubstr("no manifest")));
  EXPECT_THAT(dump_reason, HasSubstr("its manifest " + ManifestKey("quest_db", good.backup_id()) +
                                     " is damaged"));
}

TEST_F(CatalogTest, ADumpWhoseStoredSizeIsNotTheManifestsIsIncomplete) {
  const auto older = PutTestBackup(target_->storage(), "quest_db", kDay1);
  const auto newest = PutTestBackup(target_->storage(), "quest_db", kDay1 + absl::Hours(24));
  // A truncated upload of the newest dump, its manifest intact.
  PutText(newest.object_key(), "trunc");
  const Catalog catalog = Read();
  EXPECT_THAT(Ids(catalog), ElementsAre("quest_db/" + older.backup_id()));
  EXPECT_THAT(catalog.incomplete_keys,
              ElementsAre(newest.object_key(), ManifestKey("quest_db", newest.backup_id())));
  for (const std::string& key : catalog.incomplete_keys) {
    EXPECT_THAT(catalog.incomplete_reasons.at(key),
                HasSubstr(absl::StrCat("stored size of ", newest.object_key(),
                                       " is 5 bytes, the "
                                       "manifest says ",
                                       newest.size_bytes())))
        << key;
  }
}

TEST_F(CatalogTest, AManifestWhoseDumpIsGoneIsIncomplete) {
  const auto backup = PutTestBackup(target_->storage(), "quest_db", kDay1);
  ASSERT_TRUE(target_->storage().Delete(backup.object_key()).ok());
  const Catalog catalog = Read();
  EXPECT_THAT(catalog.backups, IsEmpty());
  EXPECT_THAT(catalog.incomplete_reasons.at(ManifestKey("quest_db", backup.backup_id())),
              HasSubstr("is missing"));
}

TEST_F(CatalogTest, AManifestStoredUnderAnotherIdDoesNotVouchForIt) {
  ops::v1::BackupManifest manifest = PutTestBackup(target_->storage(), "quest_db", kDay1);
  // A copy of day 1's manifest under day 2's name, beside day 2's dump.
  const std::string day2 = BackupIdAt(kDay1 + absl::Hours(24));
  PutText(DumpKey("quest_db", day2), "day 2 dump");
  PutText(ManifestKey("quest_db", day2), ManifestToJson(manifest));
  const Catalog catalog = Read();
  EXPECT_THAT(Ids(catalog), ElementsAre("quest_db/20261101T000007Z"));
  EXPECT_THAT(catalog.incomplete_keys,
              ElementsAre(DumpKey("quest_db", day2), ManifestKey("quest_db", day2)));
}

TEST_F(CatalogTest, FindBackupByIdOrLatest) {
  PutTestBackup(target_->storage(), "quest_db", kDay1);
  PutTestBackup(target_->storage(), "quest_db", kDay1 + absl::Hours(24));
  PutTestBackup(target_->storage(), "social_db", kDay1 + absl::Hours(72));
  const Catalog catalog = Read();
  absl::StatusOr<ops::v1::BackupManifest> latest = FindBackup(catalog, "quest_db", "latest");
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->backup_id(), "20261102T000007Z");
  absl::StatusOr<ops::v1::BackupManifest> exact =
      FindBackup(catalog, "quest_db", "20261101T000007Z");
  ASSERT_TRUE(exact.ok()) << exact.status();
  EXPECT_EQ(exact->backup_id(), "20261101T000007Z");

  for (const auto& [database, id] : std::vector<std::pair<std::string, std::string>>{
           {"quest_db", "20261103T000007Z"}, {"notification_db", "latest"}}) {
    const absl::StatusOr<ops::v1::BackupManifest> missing = FindBackup(catalog, database, id);
    EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(missing.status().message(), HasSubstr(database));
    EXPECT_THAT(missing.status().message(), HasSubstr(id));
  }
}

TEST_F(CatalogTest, FindingAnIncompleteBackupSaysWhyNamingTheObject) {
  const auto good = PutTestBackup(target_->storage(), "quest_db", kDay1);
  const auto truncated = PutTestBackup(target_->storage(), "quest_db", kDay1 + absl::Hours(24));
  PutText(truncated.object_key(), "trunc");
  const std::string cut_off = BackupIdAt(kDay1 + absl::Hours(48));
  PutText(DumpKey("quest_db", cut_off), "cut off before its manifest");
  const Catalog catalog = Read();

  const auto found_truncated = FindBackup(catalog, "quest_db", truncated.backup_id());
  EXPECT_EQ(found_truncated.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(found_truncated.status().message(), HasSubstr(truncated.object_key()));
  EXPECT_THAT(found_truncated.status().message(), HasSubstr("the manifest says"));
  const auto found_cut_off = FindBackup(catalog, "quest_db", cut_off);
  EXPECT_EQ(found_cut_off.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(found_cut_off.status().message(), HasSubstr(DumpKey("quest_db", cut_off)));
  EXPECT_THAT(found_cut_off.status().message(), HasSubstr("no manifest"));
  // "latest" is the newest backup that can be restored.
  const auto latest = FindBackup(catalog, "quest_db", "latest");
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->backup_id(), good.backup_id());
}

TEST_F(CatalogTest, AnUnreachableTargetIsTheStoragesError) {
  LocalStorage gone(target_->local_root() + "/not-mounted");
  const absl::StatusOr<Catalog> catalog =
      ReadCatalog(gone, {"quest_db"}, target_->config().staging_dir);
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kUnavailable) << catalog.status();
}

// The CronJob's container has a read-only root and only BACKUP_STAGING_DIR
// to write to: the catalog of an S3 target (manifests fetched by s3cmd)
// must need nothing else, and leave nothing there.
TEST(CatalogS3Test, ReadsAnS3TargetWithOnlyTheStagingDirWritable) {
  std::unique_ptr<TestTarget> target = TestTarget::Create(TargetKind::kS3);
  ASSERT_FALSE(::testing::Test::HasFailure());
  const auto backup = PutTestBackup(target->storage(), "quest_db", kDay1);
  const std::string previous_tmpdir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "";
  setenv("TMPDIR", "/nonexistent/tmp", 1);
  const absl::StatusOr<Catalog> catalog =
      ReadCatalog(target->storage(), {"quest_db"}, target->config().staging_dir);
  setenv("TMPDIR", previous_tmpdir.c_str(), 1);
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  ASSERT_EQ(catalog->backups.size(), 1u);
  EXPECT_EQ(catalog->backups[0].sha256(), backup.sha256());
  EXPECT_THAT(catalog->incomplete_keys, IsEmpty());
  EXPECT_TRUE(std::filesystem::is_empty(target->config().staging_dir));
}

}  // namespace
}  // namespace qs::backup
