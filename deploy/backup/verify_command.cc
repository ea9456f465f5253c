#include "deploy/backup/verify_command.h"

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/base/status_macros.h"
#include "deploy/backup/catalog.h"
#include "deploy/backup/checked_restore.h"
#include "deploy/backup/database_admin.h"
#include "deploy/backup/storage.h"

namespace qs::backup {
namespace {

absl::StatusOr<std::string> VerifyOne(const BackupConfig& config, BackupStorage& storage,
                                      const Catalog& catalog, const std::string& database,
                                      const std::string& backup_id) {
  QS_ASSIGN_OR_RETURN(ops::v1::BackupManifest manifest, FindBackup(catalog, database, backup_id));
  const std::string scratch = VerifyDatabaseName(database, manifest.backup_id());
  // The tool's own name: a verify that died earlier may have left it.
  QS_RETURN_IF_ERROR(DropDatabase(config.postgres, scratch));
  QS_ASSIGN_OR_RETURN(std::unique_ptr<ScratchRestore> copy,
                      RestoreCheckedCopy(config, storage, manifest, scratch));
  const std::string checked =
      absl::StrFormat("%s %s: verified: %s %d bytes, sha256 ok, %s (restore %.1f s)", database,
                      manifest.backup_id(), manifest.object_key(), manifest.size_bytes(),
                      DescribeFacts(copy->facts()), absl::ToDoubleSeconds(copy->restore_time()));
  QS_RETURN_IF_ERROR(copy->Drop());
  return checked;
}

}  // namespace

std::string VerifyDatabaseName(const std::string& database, const std::string& backup_id) {
  return absl::AsciiStrToLower(absl::StrCat(database, "_verify_", backup_id));
}

int VerifyBackups(const BackupConfig& config, const std::vector<std::string>& databases,
                  const std::string& backup_id, std::ostream& out, std::ostream& err) {
  for (const std::string& database : databases) {
    if (std::find(config.databases.begin(), config.databases.end(), database) ==
        config.databases.end()) {
      err << "backup verify: --database: " << database << " is not one of BACKUP_DATABASES ("
          << absl::StrJoin(config.databases, ",") << ")\n";
      return 2;
    }
  }
  absl::StatusOr<std::unique_ptr<BackupStorage>> storage = OpenStorage(config);
  if (!storage.ok()) {
    err << "backup verify: " << storage.status().message() << "\n";
    return 2;
  }
  const std::vector<std::string>& wanted = databases.empty() ? config.databases : databases;
  absl::StatusOr<Catalog> catalog = ReadCatalog(**storage, wanted, config.staging_dir);
  if (!catalog.ok()) {
    err << "backup verify: " << catalog.status().message() << "\n";
    return 1;
  }
  int failed = 0;
  for (const std::string& database : wanted) {
    absl::StatusOr<std::string> verified =
        VerifyOne(config, **storage, *catalog, database, backup_id);
    if (verified.ok()) {
      out << *verified << "\n";
    } else {
      ++failed;
      err << database << ": verify FAILED (" << absl::StatusCodeToString(verified.status().code())
          << "): " << verified.status().message() << "\n";
    }
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace qs::backup
