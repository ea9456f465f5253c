// Backup ids, the keys of a backup's two objects, and the manifest's JSON.
//
//   quest_db/20261202T000012Z.dump.age        the encrypted pg_dump -Fc
//   quest_db/20261202T000012Z.manifest.json   written last: its presence
//                                             marks the backup complete
#ifndef QS_DEPLOY_BACKUP_MANIFEST_H_
#define QS_DEPLOY_BACKUP_MANIFEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/ops/v1/backup_manifest.pb.h"

namespace qs::backup {

// "20261202T000012Z" (UTC, whole seconds).
std::string BackupIdAt(absl::Time time);
// The time of an id; INVALID_ARGUMENT naming it when malformed.
absl::StatusOr<absl::Time> TimeOfBackupId(const std::string& backup_id);

// A manifest's timestamp (created_at, finished_at) as an absl::Time, nanos
// included.
absl::Time TimeOf(const google::protobuf::Timestamp& timestamp);

std::string DumpKey(const std::string& database, const std::string& backup_id);
std::string ManifestKey(const std::string& database, const std::string& backup_id);

std::string ManifestToJson(const ops::v1::BackupManifest& manifest);
// DATA_LOSS naming `object_name` when the JSON is damaged or lacks the
// database, id, object key or checksum.
absl::StatusOr<ops::v1::BackupManifest> ManifestFromJson(const std::string& json,
                                                         const std::string& object_name);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_MANIFEST_H_
