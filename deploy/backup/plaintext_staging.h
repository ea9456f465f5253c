// Where verify and restore keep a decrypted dump: pg_restore --jobs needs a
// seekable file (a pipe from `age -d` would force one job, and restore speed
// is the RTO), so the plaintext touches the staging disk for the length of
// one restore, and this class makes sure it does not outlive it:
//   - the directory (a ScratchDir) is removed when the object goes;
//   - SIGINT, SIGTERM and SIGHUP remove the plaintext, then end the process
//     as the signal would have;
//   - a run killed outright (SIGKILL, power) leaves its directory behind,
//     holding a lock file nobody holds any more: Create() removes such
//     directories of dead runs before making its own.
//
//   QS_ASSIGN_OR_RETURN(PlaintextStaging staging, PlaintextStaging::Create(config.staging_dir));
//   Decrypt(..., staging.plain_path(), ...);
#ifndef QS_DEPLOY_BACKUP_PLAINTEXT_STAGING_H_
#define QS_DEPLOY_BACKUP_PLAINTEXT_STAGING_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "deploy/backup/scratch_dir.h"

namespace qs::backup {

class PlaintextStaging {
 public:
  // One at a time per process (the signal handlers know one path).
  static absl::StatusOr<std::unique_ptr<PlaintextStaging>> Create(const std::string& parent);
  ~PlaintextStaging();
  PlaintextStaging(const PlaintextStaging&) = delete;
  PlaintextStaging& operator=(const PlaintextStaging&) = delete;

  const ScratchDir& dir() const { return dir_; }
  std::string plain_path() const { return dir_.Path("plain.dump"); }

  // The name of the lock file a live run holds in its directory.
  static constexpr char kLockFile[] = "restore.lock";

 private:
  PlaintextStaging(ScratchDir dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}

  ScratchDir dir_;
  int lock_fd_;
};

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_PLAINTEXT_STAGING_H_
