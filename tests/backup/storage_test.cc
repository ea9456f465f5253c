// One contract, two targets: every case runs against a local directory and
// against a real S3-compatible server (s3rver through s3cmd). Faults are
// real too: a stopped server, refused credentials, a missing directory, a
// full and a read-only tmpfs mounted here.
#include "deploy/backup/storage.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "deploy/backup/local_storage.h"
#include "deploy/backup/s3_storage.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/backup/backup_targets.h"
#include "tests/support/tmpfs_mount.h"

namespace qs::backup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string WriteTempFile(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(NewTestDirectory("src"), "/", name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

// Bytes that differ throughout, so a truncated or shifted copy shows.
std::string Pattern(size_t size) {
  std::string bytes(size, '\0');
  uint32_t x = 12345;
  for (char& c : bytes) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 24);
  }
  return bytes;
}

// A tmpfs of `size` mounted for one test (a real ENOSPC / EROFS).
using ::qs::testing::TmpfsMount;

class StorageContractTest : public ::testing::TestWithParam<TargetKind> {
 protected:
  void SetUp() override {
    target_ = TestTarget::Create(GetParam());
    ASSERT_FALSE(::testing::Test::HasFailure());
  }
  BackupStorage& storage() { return target_->storage(); }
  std::string Target() { return storage().Describe(); }

  void ExpectNamed(const absl::Status& status, absl::StatusCode code, const std::string& key) {
    EXPECT_EQ(status.code(), code) << status;
    EXPECT_THAT(status.message(), HasSubstr(key));
    EXPECT_THAT(status.message(),
                HasSubstr(GetParam() == TargetKind::kLocal ? target_->local_root()
                                                           : target_->config().s3->bucket));
  }

  std::unique_ptr<TestTarget> target_;
};

TEST_P(StorageContractTest, PutThenGetGivesTheSameBytes) {
  const std::string bytes = Pattern(3 * 1024 * 1024 + 17);
  const std::string source = WriteTempFile("object", bytes);
  ASSERT_TRUE(storage().Put(source, "quest_db/20261202T000012Z.dump.age").ok());
  const std::string copy = absl::StrCat(NewTestDirectory("get"), "/copy");
  const absl::Status got = storage().Get("quest_db/20261202T000012Z.dump.age", copy);
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_TRUE(ReadFile(copy) == bytes);
  struct stat info;
  ASSERT_EQ(stat(copy.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
}

TEST_P(StorageContractTest, PutReplacesAnObject) {
  ASSERT_TRUE(storage().Put(WriteTempFile("a", "first"), "db/k").ok());
  ASSERT_TRUE(storage().Put(WriteTempFile("b", "second"), "db/k").ok());
  const std::string copy = absl::StrCat(NewTestDirectory("get"), "/copy");
  ASSERT_TRUE(storage().Get("db/k", copy).ok());
  EXPECT_EQ(ReadFile(copy), "second");
}

TEST_P(StorageContractTest, ListGivesTheKeysUnderAPrefixSorted) {
  for (const char* key : {"quest_db/b.dump.age", "quest_db/a.manifest.json",
                          "quest_db_verify/x.dump.age", "social_db/c.dump.age"}) {
    ASSERT_TRUE(storage().Put(WriteTempFile("f", key), key).ok()) << key;
  }
  absl::StatusOr<std::vector<std::string>> quest = storage().List("quest_db/");
  ASSERT_TRUE(quest.ok()) << quest.status();
  EXPECT_THAT(*quest, ElementsAre("quest_db/a.manifest.json", "quest_db/b.dump.age"));
  absl::StatusOr<std::vector<std::string>> all = storage().List("");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, ElementsAre("quest_db/a.manifest.json", "quest_db/b.dump.age",
                                "quest_db_verify/x.dump.age", "social_db/c.dump.age"));
  absl::StatusOr<std::vector<std::string>> none = storage().List("notification_db/");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_THAT(*none, IsEmpty());
}

TEST_P(StorageContractTest, DeleteRemovesAndAMissingKeyIsAlreadyGone) {
  ASSERT_TRUE(storage().Put(WriteTempFile("f", "x"), "db/gone").ok());
  ASSERT_TRUE(storage().Delete("db/gone").ok());
  EXPECT_THAT(*storage().List("db/"), IsEmpty());
  EXPECT_TRUE(storage().Delete("db/gone").ok());
  EXPECT_TRUE(storage().Delete("db/never-was").ok());
}

TEST_P(StorageContractTest, AMissingKeyIsNotFoundNamingKeyAndTarget) {
  const std::string copy = absl::StrCat(NewTestDirectory("get"), "/copy");
  ExpectNamed(storage().Get("quest_db/20260101T000000Z.dump.age", copy),
              absl::StatusCode::kNotFound, "quest_db/20260101T000000Z.dump.age");
}

TEST_P(StorageContractTest, AMissingLocalFileIsNotFoundAndStoresNothing) {
  const absl::Status status = storage().Put("/nonexistent/staged.age", "db/k");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(status.message(), HasSubstr("/nonexistent/staged.age"));
  EXPECT_THAT(*storage().List(""), IsEmpty());
}

TEST_P(StorageContractTest, KeysThatCouldEscapeThePrefixAreRefused) {
  const std::string file = WriteTempFile("f", "x");
  for (const char* key : {"../outside", "/absolute", "db//double", "db/./x", "", "db/a b"}) {
    EXPECT_EQ(storage().Put(file, key).code(), absl::StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(storage().Delete(key).code(), absl::StatusCode::kInvalidArgument) << key;
  }
}

// The CronJob's container has a read-only root: BACKUP_STAGING_DIR is the
// one writable directory. Every call must work with TMPDIR pointing nowhere
// and leave nothing in the staging dir (s3cmd's generated credentials), nor
// anything but the object (and the marker) in a local target's directory.
TEST_P(StorageContractTest, OnlyTheStagingDirIsWrittenAndNothingIsLeftBehind) {
  const std::string file = WriteTempFile("f", "x");
  const std::string copy = absl::StrCat(NewTestDirectory("get"), "/c");
  const std::string missing_copy = absl::StrCat(NewTestDirectory("get"), "/m");
  const char* previous = std::getenv("TMPDIR");
  const std::string previous_tmpdir = previous != nullptr ? previous : "";
  setenv("TMPDIR", "/nonexistent/tmp", 1);
  const absl::Status put = storage().Put(file, "db/k");
  const absl::StatusOr<std::vector<std::string>> listed = storage().List("db/");
  const absl::Status got = storage().Get("db/k", copy);
  const absl::Status missing = storage().Get("db/missing", missing_copy);
  setenv("TMPDIR", previous_tmpdir.c_str(), 1);
  ASSERT_TRUE(put.ok()) << put;
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(*listed, ElementsAre("db/k"));
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_EQ(ReadFile(copy), "x");
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_FALSE(std::filesystem::exists(missing_copy));
  EXPECT_TRUE(std::filesystem::is_empty(target_->config().staging_dir));
  if (GetParam() == TargetKind::kLocal) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(target_->local_root())) {
      names.push_back(entry.path().lexically_relative(target_->local_root()).string());
    }
    std::sort(names.begin(), names.end());
    EXPECT_THAT(names, ElementsAre(".quest-backup-target", "db", "db/k"));
  }
  ASSERT_TRUE(storage().Delete("db/k").ok());
  EXPECT_TRUE(std::filesystem::is_empty(target_->config().staging_dir));
}

TEST_P(StorageContractTest, ListObjectsGivesTheStoredSizes) {
  ASSERT_TRUE(storage().Put(WriteTempFile("a", Pattern(12345)), "quest_db/a.dump.age").ok());
  ASSERT_TRUE(storage().Put(WriteTempFile("b", ""), "quest_db/b.manifest.json").ok());
  const absl::StatusOr<std::vector<StoredObject>> objects = storage().ListObjects("quest_db/");
  ASSERT_TRUE(objects.ok()) << objects.status();
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].key, "quest_db/a.dump.age");
  EXPECT_EQ((*objects)[0].size_bytes, 12345);
  EXPECT_EQ((*objects)[1].key, "quest_db/b.manifest.json");
  EXPECT_EQ((*objects)[1].size_bytes, 0);
}

TEST_P(StorageContractTest, AnUnreachableTargetIsUnavailableNamingTheTarget) {
  if (GetParam() == TargetKind::kS3) {
    target_->s3()->Stop();
  } else {
    std::filesystem::remove_all(target_->local_root());  // the NFS share is gone
  }
  const std::string file = WriteTempFile("f", "x");
  const absl::Time start = absl::Now();
  ExpectNamed(storage().Put(file, "quest_db/k.dump.age"), absl::StatusCode::kUnavailable,
              "quest_db/k.dump.age");
  // Not s3cmd's 45 s of upload retries.
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  ExpectNamed(storage().Get("quest_db/k.dump.age", absl::StrCat(NewTestDirectory("g"), "/c")),
              absl::StatusCode::kUnavailable, "quest_db/k.dump.age");
  ExpectNamed(storage().List("quest_db/").status(), absl::StatusCode::kUnavailable, "quest_db/");
  ExpectNamed(storage().Delete("quest_db/k.dump.age"), absl::StatusCode::kUnavailable,
              "quest_db/k.dump.age");
}

TEST_P(StorageContractTest, AFullDiskIsResourceExhaustedAndLeavesNoPartialObject) {
  TmpfsMount small("1m", /*read_only=*/false);
  ASSERT_TRUE(small.mounted()) << small.error();
  const std::string big = WriteTempFile("big", Pattern(2 * 1024 * 1024));
  if (GetParam() == TargetKind::kLocal) {
    ASSERT_TRUE(InitLocalTarget(small.path()).ok());
    LocalStorage full(small.path());
    const absl::Status status = full.Put(big, "quest_db/big.dump.age");
    EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
    EXPECT_THAT(status.message(), HasSubstr("quest_db/big.dump.age"));
    EXPECT_THAT(status.message(), HasSubstr(small.path()));
    EXPECT_THAT(*full.List(""), IsEmpty());
    // Not even the hidden partial file is left.
    EXPECT_TRUE(std::filesystem::is_empty(small.path() + "/quest_db"));
  } else {
    // The object is stored; the disk it is fetched to is full.
    ASSERT_TRUE(storage().Put(big, "quest_db/big.dump.age").ok());
    const std::string local = small.path() + "/big.dump.age";
    const absl::Status status = storage().Get("quest_db/big.dump.age", local);
    EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
    EXPECT_THAT(status.message(), HasSubstr("quest_db/big.dump.age"));
    EXPECT_FALSE(std::filesystem::exists(local)) << "no partial download left";
  }
}

TEST_P(StorageContractTest, RefusedAccessIsPermissionDenied) {
  if (GetParam() == TargetKind::kS3) {
    S3Settings wrong = *target_->config().s3;
    wrong.access_key = "NOT-S3RVER";
    S3Storage refused(wrong, target_->config().staging_dir);
    ExpectNamed(refused.Put(WriteTempFile("f", "x"), "quest_db/k"),
                absl::StatusCode::kPermissionDenied, "quest_db/k");
    ExpectNamed(refused.List("quest_db/").status(), absl::StatusCode::kPermissionDenied,
                "quest_db/");
  } else {
    // Root ignores file modes: a read-only file system refuses even root.
    // A prepared target (the marker written), then made read-only.
    TmpfsMount read_only("1m", /*read_only=*/false);
    ASSERT_TRUE(read_only.mounted());
    ASSERT_TRUE(InitLocalTarget(read_only.path()).ok());
    ASSERT_EQ(mount(nullptr, read_only.path().c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr), 0)
        << strerror(errno);
    LocalStorage refused(read_only.path());
    const absl::Status status = refused.Put(WriteTempFile("f", "x"), "quest_db/k");
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
    EXPECT_THAT(status.message(), HasSubstr("quest_db/k"));
    EXPECT_THAT(status.message(), HasSubstr(read_only.path()));
  }
}

TEST(S3StorageTest, AMissingBucketIsAFailedPrecondition) {
  qs::testing::S3rver s3;
  S3Settings settings{"no-such-bucket",
                      "p",
                      s3.host_port(),
                      false,
                      "us-east-1",
                      qs::testing::S3rver::kAccessKey,
                      qs::testing::S3rver::kSecretKey};
  S3Storage storage(settings, NewTestDirectory("staging"));
  const absl::StatusOr<std::vector<std::string>> listed = storage.List("quest_db/");
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kFailedPrecondition) << listed.status();
  EXPECT_THAT(listed.status().message(), HasSubstr("no-such-bucket"));
}

// s3cmd uploads in 15 MiB parts above multipart_chunk_size_mb (15): a
// nightly dump is far larger, so the parts must join into the same bytes.
TEST(S3StorageTest, AMultipartUploadRoundTripsByteForByte) {
  std::unique_ptr<TestTarget> target = TestTarget::Create(TargetKind::kS3);
  ASSERT_FALSE(::testing::Test::HasFailure());
  const std::string bytes = Pattern(40 * 1000 * 1000 + 4321);  // three parts
  const std::string source = WriteTempFile("big", bytes);
  const absl::Status put = target->storage().Put(source, "quest_db/20261202T000012Z.dump.age");
  ASSERT_TRUE(put.ok()) << put;
  const absl::StatusOr<std::vector<StoredObject>> listed =
      target->storage().ListObjects("quest_db/");
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().size_bytes, static_cast<int64_t>(bytes.size()));
  const std::string copy = absl::StrCat(NewTestDirectory("get"), "/copy");
  const absl::Status got = target->storage().Get("quest_db/20261202T000012Z.dump.age", copy);
  ASSERT_TRUE(got.ok()) << got;
  EXPECT_EQ(std::filesystem::file_size(copy), bytes.size());
  EXPECT_TRUE(ReadFile(copy) == bytes) << "the parts did not join into the same bytes";
}

INSTANTIATE_TEST_SUITE_P(Targets, StorageContractTest,
                         ::testing::Values(TargetKind::kLocal, TargetKind::kS3),
                         [](const auto& info) { return KindName(info.param); });

}  // namespace
}  // namespace qs::backup
