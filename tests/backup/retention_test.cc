#include "deploy/backup/retention.h"

#include <algorithm>

#include "deploy/backup/manifest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qs::backup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 12, 2, 0, 0, 30), absl::UTCTimeZone());
const absl::Duration kDay = absl::Hours(24);

BackupRef At(const std::string& database, absl::Time created) {
  return {database, BackupIdAt(created), created};
}

std::vector<std::string> Ids(const std::vector<BackupRef>& refs) {
  std::vector<std::string> ids;
  for (const BackupRef& ref : refs) ids.push_back(ref.database + "/" + ref.backup_id);
  return ids;
}

TEST(RetentionTest, KeepsExactlyTheWindowAndDropsWhatIsOlder) {
  std::vector<BackupRef> backups;
  for (int days = 0; days <= 40; ++days) backups.push_back(At("quest_db", kNow - days * kDay));
  const std::vector<BackupRef> expired = ExpiredBackups(backups, kNow, 30 * kDay);
  // Day 30 is exactly at the cutoff: still inside the window.
  ASSERT_EQ(expired.size(), 10u);
  for (const BackupRef& ref : expired) EXPECT_LT(ref.created_at, kNow - 30 * kDay);
  EXPECT_EQ(expired.front().backup_id, BackupIdAt(kNow - 31 * kDay));
  EXPECT_EQ(expired.back().backup_id, BackupIdAt(kNow - 40 * kDay));
}

TEST(RetentionTest, OneSecondPastTheWindowIsExpired) {
  const std::vector<BackupRef> backups = {At("quest_db", kNow), At("quest_db", kNow - 30 * kDay),
                                          At("quest_db", kNow - 30 * kDay - absl::Seconds(1))};
  EXPECT_THAT(Ids(ExpiredBackups(backups, kNow, 30 * kDay)),
              ElementsAre("quest_db/" + BackupIdAt(kNow - 30 * kDay - absl::Seconds(1))));
}

TEST(RetentionTest, TheNewestOfEachDatabaseStaysHoweverOld) {
  const std::vector<BackupRef> backups = {
      At("social_db", kNow - 50 * kDay), At("social_db", kNow - 45 * kDay),
      At("quest_db", kNow - 60 * kDay), At("quest_db", kNow - 1 * kDay)};
  EXPECT_THAT(Ids(ExpiredBackups(backups, kNow, 30 * kDay)),
              ElementsAre("social_db/" + BackupIdAt(kNow - 50 * kDay),
                          "quest_db/" + BackupIdAt(kNow - 60 * kDay)));
}

TEST(RetentionTest, TheNewestIsByCreationTimeNotByListOrder) {
  std::vector<BackupRef> backups = {At("quest_db", kNow - 40 * kDay),
                                    At("quest_db", kNow - 35 * kDay),
                                    At("quest_db", kNow - 38 * kDay)};
  std::reverse(backups.begin(), backups.end());
  const std::vector<BackupRef> expired = ExpiredBackups(backups, kNow, 30 * kDay);
  ASSERT_EQ(expired.size(), 2u);
  for (const BackupRef& ref : expired) {
    EXPECT_NE(ref.backup_id, BackupIdAt(kNow - 35 * kDay));
  }
}

TEST(RetentionTest, NothingExpiresInsideTheWindowOrWithoutBackups) {
  EXPECT_THAT(ExpiredBackups({}, kNow, 30 * kDay), IsEmpty());
  EXPECT_THAT(
      ExpiredBackups({At("quest_db", kNow - 29 * kDay), At("quest_db", kNow)}, kNow, 30 * kDay),
      IsEmpty());
}

TEST(RetentionTest, AShorterWindowPrunesMore) {
  std::vector<BackupRef> backups;
  for (int days = 0; days < 10; ++days) backups.push_back(At("quest_db", kNow - days * kDay));
  EXPECT_EQ(ExpiredBackups(backups, kNow, 7 * kDay).size(), 2u);
  EXPECT_EQ(ExpiredBackups(backups, kNow, 1 * kDay).size(), 8u);
}

}  // namespace
}  // namespace qs::backup
