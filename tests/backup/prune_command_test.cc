// `backup prune` over real targets with backups dated 0-40 days back,
// stored as `backup run` stores them (object, then manifest).
#include "deploy/backup/prune_command.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "deploy/backup/catalog.h"
#include "deploy/backup/manifest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_targets.h"

namespace qs::backup {
namespace {

using ::testing::Contains;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 12, 2, 0, 0, 30), absl::UTCTimeZone());
const absl::Duration kDay = absl::Hours(24);

// A nightly backup `days` before kNow (a few seconds after midnight, as the
// 00:00 UTC schedule gives).
absl::Time DaysBack(int days) { return kNow - days * kDay - absl::Seconds(20); }

std::vector<std::string> IdsOf(const Catalog& catalog, const std::string& database) {
  std::vector<std::string> ids;
  for (const auto& backup : catalog.backups) {
    if (backup.database() == database) ids.push_back(backup.backup_id());
  }
  return ids;
}

std::vector<std::string> IdsForDays(int from, int to) {
  std::vector<std::string> ids;
  for (int days = to; days >= from; --days) ids.push_back(BackupIdAt(DaysBack(days)));
  return ids;  // oldest first, as the catalog lists them
}

class PruneTest : public ::testing::TestWithParam<TargetKind> {
 protected:
  void SetUp() override {
    target_ = TestTarget::Create(GetParam());
    config_ = target_->config();
    config_.databases = {"quest_db", "social_db"};
  }

  // quest_db: one backup a day, 0..40 days back. social_db: its backups
  // stopped 33 days ago (33..40).
  void StoreFortyDays() {
    for (int days = 0; days <= 40; ++days) {
      PutTestBackup(target_->storage(), "quest_db", DaysBack(days));
    }
    for (int days = 33; days <= 40; ++days) {
      PutTestBackup(target_->storage(), "social_db", DaysBack(days));
    }
  }

  int Prune(bool dry_run) {
    out_.str("");
    err_.str("");
    return PruneBackups(config_, dry_run, kNow, out_, err_);
  }

  Catalog ReadBack() {
    absl::StatusOr<Catalog> catalog =
        ReadCatalog(target_->storage(), config_.databases, config_.staging_dir);
    EXPECT_TRUE(catalog.ok()) << catalog.status();
    return catalog.ok() ? *catalog : Catalog{};
  }

  std::vector<std::string> AllKeys() {
    absl::StatusOr<std::vector<std::string>> keys = target_->storage().List("");
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.ok() ? *keys : std::vector<std::string>{};
  }

  std::vector<std::string> OutputLines() {
    return absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  }

  void PutText(const std::string& key, const std::string& text) {
    const std::string path = absl::StrCat(NewTestDirectory("obj"), "/o");
    std::ofstream(path) << text;
    ASSERT_TRUE(target_->storage().Put(path, key).ok()) << key;
  }

  std::unique_ptr<TestTarget> target_;
  BackupConfig config_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_P(PruneTest, LeavesExactlyTheThirtyDayWindowAndTheNewestOfAStoppedDatabase) {
  StoreFortyDays();
  ASSERT_EQ(Prune(/*dry_run=*/false), 0) << err_.str();
  EXPECT_EQ(err_.str(), "");

  const Catalog after = ReadBack();
  // Day 30's backup is 30 days and 20 s old at kNow: out of the window, so
  // the window holds 30 nightly backups (days 0..29).
  EXPECT_THAT(IdsOf(after, "quest_db"), ElementsAreArray(IdsForDays(0, 29)));
  EXPECT_THAT(IdsOf(after, "social_db"), ElementsAreArray(IdsForDays(33, 33)));
  EXPECT_THAT(after.incomplete_keys, IsEmpty());
  // Nothing else is left behind: two objects per kept backup.
  EXPECT_EQ(AllKeys().size(), 2u * (30 + 1));

  // Each removed backup: its dump, then its manifest.
  const std::vector<std::string> lines = OutputLines();
  std::vector<std::string> expected;
  for (const std::string database : {"quest_db", "social_db"}) {
    for (const std::string& id : IdsForDays(database == "quest_db" ? 30 : 34, 40)) {
      expected.push_back("prune: removed " + DumpKey(database, id));
      expected.push_back("prune: removed " + ManifestKey(database, id));
    }
  }
  ASSERT_EQ(lines.size(), expected.size() + 1) << out_.str();
  EXPECT_THAT(std::vector<std::string>(lines.begin(), lines.end() - 1), ElementsAreArray(expected));
  EXPECT_THAT(lines.back(), HasSubstr("removed 18 backups and 0 incomplete objects (36 objects)"));
  EXPECT_THAT(lines.back(), HasSubstr("kept 31 backups"));

  // A second run finds nothing more to do.
  ASSERT_EQ(Prune(/*dry_run=*/false), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("removed 0 backups"));
  EXPECT_EQ(AllKeys().size(), 2u * (30 + 1));
}

INSTANTIATE_TEST_SUITE_P(Targets, PruneTest, ::testing::Values(TargetKind::kLocal, TargetKind::kS3),
                         [](const auto& info) { return KindName(info.param); });

// The rest is the same logic over any target: a local one is enough.
class LocalPruneTest : public PruneTest {};

TEST_P(LocalPruneTest, ADryRunListsWhatWouldGoAndDeletesNothing) {
  StoreFortyDays();
  const std::vector<std::string> before = AllKeys();
  ASSERT_EQ(Prune(/*dry_run=*/true), 0) << err_.str();
  EXPECT_EQ(AllKeys(), before);
  const std::vector<std::string> lines = OutputLines();
  ASSERT_EQ(lines.size(), 36u + 1);
  EXPECT_THAT(lines,
              Contains("prune: would remove " + DumpKey("quest_db", BackupIdAt(DaysBack(30)))));
  EXPECT_THAT(
      lines, Not(Contains("prune: would remove " + DumpKey("quest_db", BackupIdAt(DaysBack(29))))));
  EXPECT_THAT(lines, Not(Contains("prune: would remove " +
                                  DumpKey("social_db", BackupIdAt(DaysBack(33))))));
  EXPECT_THAT(lines.back(), HasSubstr("would remove 18 backups"));
}

TEST_P(LocalPruneTest, WhenEveryBackupIsOldTheNewestOfEachDatabaseStays) {
  for (int days : {31, 35, 40}) {
    PutTestBackup(target_->storage(), "quest_db", DaysBack(days));
    PutTestBackup(target_->storage(), "social_db", DaysBack(days + 1));
  }
  ASSERT_EQ(Prune(/*dry_run=*/false), 0) << err_.str();
  const Catalog after = ReadBack();
  EXPECT_THAT(IdsOf(after, "quest_db"), ElementsAreArray(IdsForDays(31, 31)));
  EXPECT_THAT(IdsOf(after, "social_db"), ElementsAreArray(IdsForDays(32, 32)));
}

TEST_P(LocalPruneTest, ACorruptNewestBackupIsNotTheNewestGoodOne) {
  for (int days : {31, 35, 40}) PutTestBackup(target_->storage(), "quest_db", DaysBack(days));
  // The newest upload was cut short: listed smaller than its manifest says.
  PutText(DumpKey("quest_db", BackupIdAt(DaysBack(31))), "cut");
  ASSERT_EQ(Prune(/*dry_run=*/false), 0) << err_.str();
  // Day 35 is the newest backup that can be restored: it stays. Day 31's
  // objects are an incomplete backup past the window and go.
  EXPECT_THAT(IdsOf(ReadBack(), "quest_db"), ElementsAreArray(IdsForDays(35, 35)));
  EXPECT_THAT(AllKeys(), ElementsAreArray({DumpKey("quest_db", BackupIdAt(DaysBack(35))),
                                           ManifestKey("quest_db", BackupIdAt(DaysBack(35)))}));
}

TEST_P(LocalPruneTest, TheWindowIsConfigurable) {
  for (int days = 0; days <= 10; ++days) {
    PutTestBackup(target_->storage(), "quest_db", DaysBack(days));
  }
  config_.retention = 7 * kDay;
  ASSERT_EQ(Prune(/*dry_run=*/false), 0) << err_.str();
  // 7 days and 20 s back is past the window; 0..6 stay.
  EXPECT_THAT(IdsOf(ReadBack(), "quest_db"), ElementsAreArray(IdsForDays(0, 6)));
}

TEST_P(LocalPruneTest, IncompleteObjectsAgeOutByTheTimeInTheirId) {
  PutTestBackup(target_->storage(), "quest_db", DaysBack(0));
  const std::string old_dump = DumpKey("quest_db", BackupIdAt(DaysBack(35)));
  const std::string young_dump = DumpKey("quest_db", BackupIdAt(kNow - absl::Minutes(3)));
  const std::string old_damaged = ManifestKey("social_db", BackupIdAt(DaysBack(32)));
  const std::string stray = "quest_db/README.txt";
  PutText(old_dump, "cut off 35 days ago");
  PutText(young_dump, "being written now");
  PutText(old_damaged, "{ not json");
  PutText(stray, "an operator's note");

  ASSERT_EQ(Prune(/*dry_run=*/false), 0) << err_.str();
  const std::vector<std::string> keys = AllKeys();
  EXPECT_THAT(keys, Not(Contains(old_dump)));
  EXPECT_THAT(keys, Not(Contains(old_damaged)));
  EXPECT_THAT(keys, Contains(young_dump));
  EXPECT_THAT(keys, Contains(stray));
  EXPECT_THAT(out_.str(), HasSubstr("left alone " + stray));
  EXPECT_THAT(out_.str(), HasSubstr("removed 0 backups and 2 incomplete objects"));
  EXPECT_THAT(IdsOf(ReadBack(), "quest_db"), ElementsAreArray(IdsForDays(0, 0)));
}

TEST_P(LocalPruneTest, AnUnreachableTargetFailsNamingIt) {
  config_.local_directory = target_->local_root() + "/unmounted";
  ASSERT_EQ(Prune(/*dry_run=*/false), 1);
  EXPECT_THAT(err_.str(), HasSubstr(config_.local_directory));
  EXPECT_THAT(err_.str(), HasSubstr("cannot be reached"));
}

INSTANTIATE_TEST_SUITE_P(Local, LocalPruneTest, ::testing::Values(TargetKind::kLocal),
                         [](const auto& info) { return KindName(info.param); });

}  // namespace
}  // namespace qs::backup
