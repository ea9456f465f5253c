#include "deploy/backup/checked_restore.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "deploy/backup/fetch_backup.h"
#include "deploy/backup/plaintext_staging.h"

namespace qs::backup {

DatabaseFacts FactsOfManifest(const ops::v1::BackupManifest& manifest) {
  DatabaseFacts facts;
  facts.table_rows.insert(manifest.table_rows().begin(), manifest.table_rows().end());
  facts.migration_version = manifest.migration_version();
  facts.owner = manifest.database_owner();
  facts.acl = manifest.database_acl();
  facts.server_version = manifest.postgres_version();
  return facts;
}

absl::StatusOr<std::unique_ptr<ScratchRestore>> RestoreCheckedCopy(
    const BackupConfig& config, BackupStorage& storage, const ops::v1::BackupManifest& manifest,
    const std::string& name) {
  // The plaintext dump lives only as long as this call (plaintext_staging.h).
  QS_ASSIGN_OR_RETURN(std::unique_ptr<PlaintextStaging> staging,
                      PlaintextStaging::Create(config.staging_dir));
  const std::string plain = staging->plain_path();
  QS_RETURN_IF_ERROR(
      FetchBackup(storage, manifest, config.age_identity_file, staging->dir(), plain));
  QS_ASSIGN_OR_RETURN(std::unique_ptr<ScratchRestore> copy,
                      ScratchRestore::Restore(config.postgres, plain, name, manifest.object_key(),
                                              config.restore_jobs));
  QS_RETURN_IF_ERROR(CompareFacts(FactsOfManifest(manifest), copy->facts(), name));
  return copy;
}

std::string DescribeFacts(const DatabaseFacts& facts) {
  int64_t rows = 0;
  for (const auto& [table, count] : facts.table_rows) rows += count;
  return absl::StrCat(facts.table_rows.size(), " tables, ", rows, " rows, migration ",
                      facts.migration_version.empty() ? "(none)" : facts.migration_version);
}

}  // namespace qs::backup
