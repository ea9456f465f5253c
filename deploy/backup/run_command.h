// `backup run`: a consistent, encrypted dump of every configured database,
// uploaded with its manifest (deploy/backup/manifest.h for the layout).
//
//   int code = RunBackups(config, std::cout, std::cerr);
//
// Per database: dump (dump.h) into a private staging directory, SHA-256
// and size of the encrypted file, Put the dump, Put the manifest last
// (its presence marks the backup complete), remove the staged file. One
// database's failure is printed naming the database and the object and
// does not stop the others. Prints one line per database:
//   quest_db: 20261202T000012Z 1843200 bytes in 2.4 s -> quest_db/20261202T000012Z.dump.age
#ifndef QS_DEPLOY_BACKUP_RUN_COMMAND_H_
#define QS_DEPLOY_BACKUP_RUN_COMMAND_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "deploy/backup/backup_config.h"
#include "deploy/backup/storage.h"
#include "proto/ops/v1/backup_manifest.pb.h"

namespace qs::backup {

// Backs up one database; the manifest as stored.
absl::StatusOr<ops::v1::BackupManifest> BackUpDatabase(const BackupConfig& config,
                                                       BackupStorage& storage,
                                                       const std::string& database);

// 0 when every database was backed up, 1 when any failed (each printed on
// `err`), 2 when the target cannot even be opened (bad configuration).
int RunBackups(const BackupConfig& config, std::ostream& out, std::ostream& err);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_RUN_COMMAND_H_
