// A backup target in an S3-compatible bucket, through Debian's s3cmd.
//
//   S3Storage storage(config.s3.value(), config.staging_dir);
//   QS_ASSIGN_OR_RETURN(auto keys, storage.List("quest_db/"));
//
// Each call writes s3cmd's configuration, credentials included, to a 0600
// file in a fresh 0700 directory under the staging directory (the only
// writable place in the CronJob's read-only container; s3cmd's HOME too)
// and removes it when s3cmd is done: the keys
// are never on a command line (visible in ps) nor left on disk. Path-style
// requests (host_bucket = host_base) work with AWS and with local servers.
// S3 stores an object only when its upload completes, so a failed Put never
// leaves a partial object. s3cmd retries a failing upload for ~45 s; Put
// first asks the endpoint once (an `ls` of the key) so that an unreachable
// target fails at once instead (a server lost in mid-upload still costs
// those 45 s, then UNAVAILABLE).
//
// Besides storage.h's codes: FAILED_PRECONDITION when the bucket does not
// exist or s3cmd is not installed (s3cmd_status.h reads s3cmd's failures).
#ifndef QS_DEPLOY_BACKUP_S3_STORAGE_H_
#define QS_DEPLOY_BACKUP_S3_STORAGE_H_

#include <string>
#include <vector>

#include "deploy/backup/backup_config.h"
#include "deploy/backup/process.h"
#include "deploy/backup/storage.h"

namespace qs::backup {

class S3Storage final : public BackupStorage {
 public:
  // `staging_dir`: BACKUP_STAGING_DIR, where s3cmd's scratch directory
  // goes. `s3cmd`: the program (PATH lookup unless it has a '/').
  S3Storage(S3Settings settings, std::string staging_dir, std::string s3cmd = "s3cmd")
      : settings_(std::move(settings)),
        staging_dir_(std::move(staging_dir)),
        s3cmd_(std::move(s3cmd)) {}

  // "s3://bucket/prefix at host:port".
  std::string Describe() const override;
  absl::Status Put(const std::string& local_path, const std::string& key) override;
  absl::Status Get(const std::string& key, const std::string& local_path) override;
  absl::StatusOr<std::vector<StoredObject>> ListObjects(const std::string& prefix) override;
  absl::Status Delete(const std::string& key) override;

 private:
  // "s3://bucket/prefix/" + key.
  std::string UrlOf(const std::string& key) const;
  // Runs s3cmd with a generated configuration; a failure becomes the
  // storage contract's status naming `key` (or the prefix) and the target.
  absl::StatusOr<CommandResult> RunS3cmd(const std::vector<std::string>& args,
                                         const std::string& key) const;

  S3Settings settings_;
  std::string staging_dir_;
  std::string s3cmd_;
};

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_S3_STORAGE_H_
