// A stored backup restored into a new database and checked against its
// manifest: the common part of `backup verify` and `backup restore`.
//
//   QS_ASSIGN_OR_RETURN(std::unique_ptr<ScratchRestore> copy,
//       RestoreCheckedCopy(config, storage, manifest, "quest_db_verify_20261202t000012z"));
//
// Order: fetch (size + SHA-256 before decrypting, fetch_backup.h), pg_restore
// into the new database, then the manifest's migration version and the row
// count of every table. Any failure drops the new database before
// returning; nothing else is touched.
#ifndef QS_DEPLOY_BACKUP_CHECKED_RESTORE_H_
#define QS_DEPLOY_BACKUP_CHECKED_RESTORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "deploy/backup/backup_config.h"
#include "deploy/backup/database_facts.h"
#include "deploy/backup/scratch_restore.h"
#include "deploy/backup/storage.h"
#include "proto/ops/v1/backup_manifest.pb.h"

namespace qs::backup {

// The facts a manifest recorded (rows, migration version, owner, ACL).
DatabaseFacts FactsOfManifest(const ops::v1::BackupManifest& manifest);

absl::StatusOr<std::unique_ptr<ScratchRestore>> RestoreCheckedCopy(
    const BackupConfig& config, BackupStorage& storage, const ops::v1::BackupManifest& manifest,
    const std::string& name);

// "quest_db: 14 tables, 2301 rows, migration 20261202000200" for messages.
std::string DescribeFacts(const DatabaseFacts& facts);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_CHECKED_RESTORE_H_
