// `backup list` over real targets.
#include "deploy/backup/list_command.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "deploy/backup/manifest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_targets.h"

namespace qs::backup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

const absl::Time kDay1 =
    absl::FromCivil(absl::CivilSecond(2026, 11, 1, 0, 0, 7), absl::UTCTimeZone());

class ListTest : public ::testing::TestWithParam<TargetKind> {
 protected:
  void SetUp() override { target_ = TestTarget::Create(GetParam()); }
  std::unique_ptr<TestTarget> target_;
};

TEST_P(ListTest, CompleteBackupsThenIncompleteObjectsThenASummary) {
  const auto quest = PutTestBackup(target_->storage(), "quest_db", kDay1 + absl::Hours(24));
  PutTestBackup(target_->storage(), "quest_db", kDay1);
  PutTestBackup(target_->storage(), "social_db", kDay1);
  const std::string cut = absl::StrCat(NewTestDirectory("obj"), "/o");
  std::ofstream(cut) << "cut off";
  ASSERT_TRUE(target_->storage().Put(cut, "notification_db/20261103T000001Z.dump.age").ok());

  std::ostringstream out, err;
  ASSERT_EQ(ListBackups(target_->config(), out, err), 0) << err.str();
  EXPECT_EQ(err.str(), "");
  const std::vector<std::string> lines = absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
  const std::string size = std::to_string(quest.size_bytes());
  ASSERT_EQ(lines.size(), 5u) << out.str();
  EXPECT_THAT(lines[0], MatchesRegex("quest_db +20261101T000007Z  2026-11-01T00:00:07Z +" + size +
                                     " bytes  migration 20261124120000"));
  EXPECT_THAT(lines[1], MatchesRegex("quest_db +20261102T000007Z  2026-11-02T00:00:07Z .*"));
  EXPECT_THAT(lines[2], MatchesRegex("social_db +20261101T000007Z .*"));
  EXPECT_EQ(lines[3],
            "incomplete  notification_db/20261103T000001Z.dump.age  (no manifest (cut off, or "
            "being written))");
  EXPECT_EQ(lines[4], absl::StrCat("3 complete backups, 1 incomplete object in ",
                                   target_->storage().Describe()));
}

TEST_P(ListTest, AnEmptyTargetListsNothing) {
  std::ostringstream out, err;
  ASSERT_EQ(ListBackups(target_->config(), out, err), 0) << err.str();
  EXPECT_EQ(out.str(), absl::StrCat("0 complete backups, 0 incomplete objects in ",
                                    target_->storage().Describe(), "\n"));
}

TEST_P(ListTest, AnUnreachableTargetExitsOneNamingIt) {
  BackupConfig config = target_->config();
  if (GetParam() == TargetKind::kS3) {
    target_->s3()->Stop();
  } else {
    config.local_directory += "/unmounted";
  }
  std::ostringstream out, err;
  EXPECT_EQ(ListBackups(config, out, err), 1);
  EXPECT_THAT(err.str(), HasSubstr("backup list: cannot read the catalog: "));
  EXPECT_THAT(err.str(), HasSubstr(GetParam() == TargetKind::kS3 ? target_->s3()->host_port()
                                                                 : config.local_directory));
}

INSTANTIATE_TEST_SUITE_P(Targets, ListTest, ::testing::Values(TargetKind::kLocal, TargetKind::kS3),
                         [](const auto& info) { return KindName(info.param); });

}  // namespace
}  // namespace qs::backup
