// `backup init-target` and the marker it writes, against real directories:
// a tmpfs mounted as the "share", then unmounted, leaves the empty mount
// point an unmounted NFS share leaves.
#include "deploy/backup/init_target_command.h"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "deploy/backup/local_storage.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_targets.h"

namespace qs::backup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

BackupConfig LocalConfig(const std::string& directory) {
  BackupConfig config;
  config.local_directory = directory;
  config.staging_dir = NewTestDirectory("staging");
  return config;
}

std::string SourceFile() {
  const std::string path = absl::StrCat(NewTestDirectory("src"), "/dump");
  std::ofstream(path) << "encrypted dump";
  return path;
}

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

Outcome Init(const BackupConfig& config) {
  std::ostringstream out;
  std::ostringstream err;
  const int exit_code = InitTarget(config, out, err);
  return {exit_code, out.str(), err.str()};
}

TEST(InitTargetTest, AnUnmountedShareIsRefusedAndNothingLandsOnTheLocalDisk) {
  const std::string share = NewTestDirectory("share");
  ASSERT_EQ(mount("tmpfs", share.c_str(), "tmpfs", 0, "size=1m,mode=0700"), 0)
      << "cannot mount a tmpfs on " << share << ": " << strerror(errno);
  const Outcome init = Init(LocalConfig(share));
  EXPECT_EQ(init.exit_code, 0) << init.err;
  EXPECT_THAT(init.out, HasSubstr(share + " is ready"));
  EXPECT_THAT(init.err, Not(HasSubstr("not a mount point")));
  LocalStorage storage(share);
  const absl::Status stored = storage.Put(SourceFile(), "quest_db/20261202T000012Z.dump.age");
  EXPECT_TRUE(stored.ok()) << stored;

  // The share goes away: what is left is an empty directory of this disk.
  ASSERT_EQ(umount2(share.c_str(), MNT_DETACH), 0) << strerror(errno);
  ASSERT_TRUE(std::filesystem::is_empty(share));
  const absl::Status refused = storage.Put(SourceFile(), "quest_db/20261203T000012Z.dump.age");
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("quest_db/20261203T000012Z.dump.age"));
  EXPECT_THAT(refused.message(), HasSubstr(share + "/.quest-backup-target"));
  EXPECT_THAT(refused.message(), HasSubstr("is the share mounted?"));
  const absl::StatusOr<std::vector<std::string>> listed = storage.List("");
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kUnavailable) << listed.status();
  EXPECT_EQ(storage.Delete("quest_db/20261202T000012Z.dump.age").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_TRUE(std::filesystem::is_empty(share)) << "nothing written to the local disk";
}

TEST(InitTargetTest, APlainDirectoryIsPreparedWithAWarningAndThenUsable) {
  const std::string directory = NewTestDirectory("disk");
  LocalStorage storage(directory);
  EXPECT_EQ(storage.List("").status().code(), absl::StatusCode::kUnavailable);

  const Outcome init = Init(LocalConfig(directory));
  EXPECT_EQ(init.exit_code, 0) << init.err;
  EXPECT_THAT(init.err, HasSubstr(directory + " is not a mount point"));
  EXPECT_TRUE(std::filesystem::exists(directory + "/.quest-backup-target"));
  ASSERT_TRUE(storage.Put(SourceFile(), "quest_db/k.dump.age").ok());
  // The marker is not an object.
  EXPECT_THAT(*storage.List(""), ElementsAre("quest_db/k.dump.age"));
  // Again: harmless, the backups stay.
  EXPECT_EQ(Init(LocalConfig(directory)).exit_code, 0);
  EXPECT_THAT(*storage.List(""), ElementsAre("quest_db/k.dump.age"));
}

TEST(InitTargetTest, AMissingDirectoryIsNotCreated) {
  const std::string missing = NewTestDirectory("parent") + "/not-mounted-yet";
  const Outcome init = Init(LocalConfig(missing));
  EXPECT_EQ(init.exit_code, 1);
  EXPECT_THAT(init.err, HasSubstr(missing));
  EXPECT_THAT(init.err, HasSubstr("cannot be reached"));
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST(InitTargetTest, AnS3TargetNeedsNoMarkerButMustAnswer) {
  std::unique_ptr<TestTarget> target = TestTarget::Create(TargetKind::kS3);
  ASSERT_FALSE(::testing::Test::HasFailure());
  const Outcome init = Init(target->config());
  EXPECT_EQ(init.exit_code, 0) << init.err;
  EXPECT_THAT(init.out, HasSubstr("needs no marker"));
  EXPECT_THAT(*target->storage().List(""), IsEmpty());

  target->s3()->Stop();
  const Outcome down = Init(target->config());
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_THAT(down.err, HasSubstr(target->config().s3->bucket));
}

}  // namespace
}  // namespace qs::backup
