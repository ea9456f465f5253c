// `backup verify [--database D] [--at ID|latest]`: proves a backup can be
// restored, without touching any live database.
//
//   int code = VerifyBackups(config, {"quest_db"}, "latest", std::cout, std::cerr);
//
// Per database: the manifest (catalog.h), the object's size and SHA-256,
// decryption, pg_restore into the scratch database `<db>_verify_<id>`
// (lowercase), the migration version and every table's row count against
// the manifest; the scratch database is dropped whatever the outcome.
// Prints what was checked:
//   quest_db 20261202T000012Z: verified: 1843200 bytes, sha256 ok,
//     14 tables, 2301 rows, migration 20261202000200 (restore 1.9 s)
#ifndef QS_DEPLOY_BACKUP_VERIFY_COMMAND_H_
#define QS_DEPLOY_BACKUP_VERIFY_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "deploy/backup/backup_config.h"

namespace qs::backup {

// "<database>_verify_<id>" in lowercase.
std::string VerifyDatabaseName(const std::string& database, const std::string& backup_id);

// `databases` empty: every configured one. 0 when all verified, 1 when
// any failed (printed on `err`, naming the database and object), 2 when
// the target cannot be opened or a database is not one of BACKUP_DATABASES.
int VerifyBackups(const BackupConfig& config, const std::vector<std::string>& databases,
                  const std::string& backup_id, std::ostream& out, std::ostream& err);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_VERIFY_COMMAND_H_
