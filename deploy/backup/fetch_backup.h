// A stored backup brought back as a plain pg_dump file, checked before a
// byte of it is decrypted:
//
//   QS_RETURN_IF_ERROR(FetchBackup(storage, manifest, config.age_identity_file,
//                                  staging, staging.Path("quest_db.dump")));
//
// Get the object into the staging directory, compare its size and SHA-256
// with the manifest (DATA_LOSS naming the object when either differs: a
// corrupted, truncated or swapped object), then age-decrypt it with the
// identity (FAILED_PRECONDITION naming the object for a wrong or missing
// key). The encrypted copy is deleted as soon as it is decrypted.
#ifndef QS_DEPLOY_BACKUP_FETCH_BACKUP_H_
#define QS_DEPLOY_BACKUP_FETCH_BACKUP_H_

#include <string>

#include "absl/status/status.h"
#include "deploy/backup/scratch_dir.h"
#include "deploy/backup/storage.h"
#include "proto/ops/v1/backup_manifest.pb.h"

namespace qs::backup {

absl::Status FetchBackup(BackupStorage& storage, const ops::v1::BackupManifest& manifest,
                         const std::string& identity_file, const ScratchDir& staging,
                         const std::string& plain_path);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_FETCH_BACKUP_H_
