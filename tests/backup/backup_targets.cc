#include "tests/backup/backup_targets.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "deploy/backup/file_digest.h"
#include "deploy/backup/local_storage.h"
#include "deploy/backup/manifest.h"
#include "gtest/gtest.h"
#include "tests/support/test_infra.h"

namespace qs::backup {

std::string KindName(TargetKind kind) { return kind == TargetKind::kLocal ? "local" : "s3"; }

std::string NewTestDirectory(const std::string& name) {
  const std::string path =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name, "-", qs::testing::UniqueSuffix());
  std::filesystem::create_directories(path);
  return path;
}

std::unique_ptr<TestTarget> TestTarget::Create(TargetKind kind) {
  std::unique_ptr<TestTarget> target(new TestTarget());
  std::map<std::string, std::string> env;
  if (kind == TargetKind::kLocal) {
    env["BACKUP_TARGET"] = NewTestDirectory("target");
    // What `backup init-target` does once for a new target.
    const absl::Status prepared = InitLocalTarget(env["BACKUP_TARGET"]);
    EXPECT_TRUE(prepared.ok()) << prepared;
  } else {
    target->s3_ = std::make_unique<qs::testing::S3rver>();
    env = target->s3_->BackupEnv(absl::StrCat("t", qs::testing::UniqueSuffix(), "/nightly"));
  }
  // Scratch space of its own, so a test can see that nothing is left in it.
  env["BACKUP_STAGING_DIR"] = NewTestDirectory("staging");
  absl::StatusOr<BackupConfig> config = ReadBackupConfig(config::MapEnv(env), Needs::kTargetOnly);
  EXPECT_TRUE(config.ok()) << config.status();
  if (config.ok()) target->config_ = *config;
  absl::StatusOr<std::unique_ptr<BackupStorage>> storage = OpenStorage(target->config_);
  EXPECT_TRUE(storage.ok()) << storage.status();
  if (storage.ok()) target->storage_ = *std::move(storage);
  return target;
}

ops::v1::BackupManifest PutTestBackup(BackupStorage& storage, const std::string& database,
                                      absl::Time created) {
  const std::string id = BackupIdAt(created);
  const std::string dump_path =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/dump-", qs::testing::UniqueSuffix());
  std::ofstream(dump_path, std::ios::binary) << "encrypted dump of " << database << " " << id;

  ops::v1::BackupManifest manifest;
  manifest.set_backup_id(id);
  manifest.set_database(database);
  manifest.mutable_created_at()->set_seconds(absl::ToUnixSeconds(created));
  manifest.mutable_finished_at()->set_seconds(absl::ToUnixSeconds(created) + 5);
  manifest.set_object_key(DumpKey(database, id));
  manifest.set_size_bytes(static_cast<int64_t>(std::filesystem::file_size(dump_path)));
  absl::StatusOr<std::string> sha256 = Sha256OfFile(dump_path);
  EXPECT_TRUE(sha256.ok()) << sha256.status();
  manifest.set_sha256(sha256.ok() ? *sha256 : "");
  manifest.set_postgres_version("15");
  manifest.set_migration_version("20261124120000");
  manifest.set_encryption("age");

  const absl::Status dump_stored = storage.Put(dump_path, manifest.object_key());
  EXPECT_TRUE(dump_stored.ok()) << dump_stored;
  const std::string manifest_path = dump_path + ".json";
  std::ofstream(manifest_path) << ManifestToJson(manifest);
  const absl::Status manifest_stored = storage.Put(manifest_path, ManifestKey(database, id));
  EXPECT_TRUE(manifest_stored.ok()) << manifest_stored;
  std::filesystem::remove(dump_path);
  std::filesystem::remove(manifest_path);
  return manifest;
}

}  // namespace qs::backup
