// The two kinds of backup target a contract test runs against: a local
// directory and a real S3-compatible server (s3rver), each fresh per test.
//
//   auto target = TestTarget::Create(TargetKind::kS3);
//   target->storage().Put(file, "quest_db/x.dump.age");
//   PruneBackups(target->config(), ...);
#ifndef QS_TESTS_BACKUP_BACKUP_TARGETS_H_
#define QS_TESTS_BACKUP_BACKUP_TARGETS_H_

#include <memory>
#include <string>

#include "deploy/backup/backup_config.h"
#include "deploy/backup/storage.h"
#include "proto/ops/v1/backup_manifest.pb.h"
#include "tests/support/s3rver.h"

namespace qs::backup {

enum class TargetKind { kLocal, kS3 };

// "local" / "s3", for test names.
std::string KindName(TargetKind kind);

class TestTarget {
 public:
  // kLocal: a new directory under TEST_TMPDIR, prepared as `backup
  // init-target` does; kS3: a new s3rver and a prefix of its own. Either has
  // a new, empty BACKUP_STAGING_DIR. The config is read through
  // ReadBackupConfig from BACKUP_* variables, as the tool reads it.
  static std::unique_ptr<TestTarget> Create(TargetKind kind);

  const BackupConfig& config() const { return config_; }
  BackupStorage& storage() { return *storage_; }
  // The s3rver (kS3) or nullptr.
  qs::testing::S3rver* s3() { return s3_.get(); }
  // The directory (kLocal) or "".
  const std::string& local_root() const { return config_.local_directory; }

 private:
  TestTarget() = default;

  std::unique_ptr<qs::testing::S3rver> s3_;
  BackupConfig config_;
  std::unique_ptr<BackupStorage> storage_;
};

// A fresh directory under TEST_TMPDIR.
std::string NewTestDirectory(const std::string& name);

// Stores a small backup of `database` created at `created` (its id is that
// time) the way `backup run` does: the object first, then its manifest with
// the object's real size and sha256. Returns the manifest.
ops::v1::BackupManifest PutTestBackup(BackupStorage& storage, const std::string& database,
                                      absl::Time created);

}  // namespace qs::backup

#endif  // QS_TESTS_BACKUP_BACKUP_TARGETS_H_
