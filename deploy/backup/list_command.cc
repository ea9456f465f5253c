#include "deploy/backup/list_command.h"

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "deploy/backup/catalog.h"
#include "deploy/backup/manifest.h"
#include "deploy/backup/storage.h"

namespace qs::backup {

int ListBackups(const BackupConfig& config, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<BackupStorage>> storage = OpenStorage(config);
  if (!storage.ok()) {
    err << "backup list: " << storage.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<Catalog> catalog = ReadCatalog(**storage, config.databases, config.staging_dir);
  if (!catalog.ok()) {
    // The storage's message names the target and the key.
    err << "backup list: cannot read the catalog: " << catalog.status().message() << "\n";
    return 1;
  }
  for (const ops::v1::BackupManifest& backup : catalog->backups) {
    const absl::Time created = TimeOf(backup.created_at());
    out << absl::StrFormat(
        "%-16s %s  %s  %10d bytes  migration %s\n", backup.database(), backup.backup_id(),
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", created, absl::UTCTimeZone()), backup.size_bytes(),
        backup.migration_version().empty() ? "(none)" : backup.migration_version());
  }
  for (const std::string& key : catalog->incomplete_keys) {
    out << "incomplete  " << key << "  (" << catalog->incomplete_reasons.at(key) << ")\n";
  }
  out << absl::StrFormat("%d complete backup%s, %d incomplete object%s in %s\n",
                         catalog->backups.size(), catalog->backups.size() == 1 ? "" : "s",
                         catalog->incomplete_keys.size(),
                         catalog->incomplete_keys.size() == 1 ? "" : "s", (*storage)->Describe());
  return 0;
}

}  // namespace qs::backup
