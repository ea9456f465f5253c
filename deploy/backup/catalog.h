// The complete backups a target holds, read from their manifests (for
// list, prune, verify and restore).
#ifndef QS_DEPLOY_BACKUP_CATALOG_H_
#define QS_DEPLOY_BACKUP_CATALOG_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "deploy/backup/storage.h"
#include "proto/ops/v1/backup_manifest.pb.h"

namespace qs::backup {

struct Catalog {
  // Complete backups, by database then id (oldest first).
  std::vector<ops::v1::BackupManifest> backups;
  // Dumps without a manifest (a backup cut off, or being written now),
  // manifests that cannot be read, and backups whose dump's stored size is
  // not the manifest's: listed, never restored, never counted as the newest
  // good backup by prune.
  std::vector<std::string> incomplete_keys;
  // Why each of incomplete_keys is incomplete ("no manifest (...)", "its
  // manifest ... is damaged: ...", "its dump is missing", "stored size ...
  // is not the manifest's ..."), for `backup list`.
  std::map<std::string, std::string> incomplete_reasons;
};

// Reads every manifest of `databases` in `storage`. A backup is complete
// when its manifest parses, names its own database, id and dump key, and
// that dump is listed with the manifest's size_bytes (a truncated or
// replaced upload is not a good backup). Every other key under
// "<database>/" is incomplete. Manifests are read through a scratch
// directory under `staging_dir` (BACKUP_STAGING_DIR), removed afterwards.
// Errors are the storage's (the target cannot be listed or read).
absl::StatusOr<Catalog> ReadCatalog(BackupStorage& storage,
                                    const std::vector<std::string>& databases,
                                    const std::string& staging_dir);

// The manifest of `backup_id` ("latest": the newest complete one) of
// `database`. When objects of that id are there but incomplete: DATA_LOSS
// with the reason (damaged manifest, dump missing or of the wrong size,
// naming the object), FAILED_PRECONDITION for a dump without a manifest.
// NOT_FOUND naming both when there is nothing of that id.
absl::StatusOr<ops::v1::BackupManifest> FindBackup(const Catalog& catalog,
                                                   const std::string& database,
                                                   const std::string& backup_id);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_CATALOG_H_
