#include "deploy/backup/prune_command.h"

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "deploy/backup/catalog.h"
#include "deploy/backup/manifest.h"
#include "deploy/backup/retention.h"
#include "deploy/backup/storage.h"

namespace qs::backup {
namespace {

// The time in an incomplete object's key ("quest_db/<id>.dump.age" or
// ".manifest.json"), or nullopt when it is not named like a backup object.
std::optional<absl::Time> TimeOfKey(const std::string& key) {
  absl::string_view name = key;
  const size_t slash = name.rfind('/');
  if (slash == absl::string_view::npos) return std::nullopt;
  name.remove_prefix(slash + 1);
  if (!absl::ConsumeSuffix(&name, ".dump.age") && !absl::ConsumeSuffix(&name, ".manifest.json")) {
    return std::nullopt;
  }
  absl::StatusOr<absl::Time> time = TimeOfBackupId(std::string(name));
  if (!time.ok()) return std::nullopt;
  return *time;
}

// Removes (or, dry run, names) `keys` in order, stopping at the first
// failure, so a manifest is never removed while its dump is still there.
class Remover {
 public:
  Remover(BackupStorage& storage, bool dry_run, std::ostream& out, std::ostream& err)
      : storage_(storage), dry_run_(dry_run), out_(out), err_(err) {}

  // True when all of `keys` are gone (or would be).
  bool RemoveInOrder(const std::vector<std::string>& keys) {
    for (const std::string& key : keys) {
      if (dry_run_) {
        out_ << "prune: would remove " << key << "\n";
      } else if (absl::Status deleted = storage_.Delete(key); !deleted.ok()) {
        err_ << "prune: cannot remove " << key << ": " << deleted.message() << "\n";
        ++failures_;
        return false;
      } else {
        out_ << "prune: removed " << key << "\n";
      }
      ++objects_;
    }
    return true;
  }

  int failures() const { return failures_; }
  int objects() const { return objects_; }

 private:
  BackupStorage& storage_;
  const bool dry_run_;
  std::ostream& out_;
  std::ostream& err_;
  int failures_ = 0;
  int objects_ = 0;
};

}  // namespace

int PruneBackups(const BackupConfig& config, bool dry_run, absl::Time now, std::ostream& out,
                 std::ostream& err) {
  absl::StatusOr<std::unique_ptr<BackupStorage>> storage = OpenStorage(config);
  if (!storage.ok()) {
    err << "backup prune: " << storage.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<Catalog> catalog = ReadCatalog(**storage, config.databases, config.staging_dir);
  if (!catalog.ok()) {
    // The storage's message names the target and the key.
    err << "backup prune: cannot read the catalog: " << catalog.status().message() << "\n";
    return 1;
  }

  std::vector<BackupRef> refs;
  for (const ops::v1::BackupManifest& manifest : catalog->backups) {
    refs.push_back({manifest.database(), manifest.backup_id(), TimeOf(manifest.created_at())});
  }
  const std::vector<BackupRef> expired = ExpiredBackups(refs, now, config.retention);

  Remover remover(**storage, dry_run, out, err);
  int backups_removed = 0;
  for (const BackupRef& backup : expired) {
    // The dump first: cut off here, what is left is an incomplete object
    // that ages out below on a later run, never a manifest without its dump
    // that list would show as restorable.
    if (remover.RemoveInOrder({DumpKey(backup.database, backup.backup_id),
                               ManifestKey(backup.database, backup.backup_id)})) {
      ++backups_removed;
    }
  }
  const absl::Time cutoff = now - config.retention;
  int incomplete_removed = 0;
  for (const std::string& key : catalog->incomplete_keys) {
    const std::optional<absl::Time> time = TimeOfKey(key);
    if (!time.has_value()) {
      out << "prune: left alone " << key << " (not named like a backup object)\n";
      continue;
    }
    if (*time < cutoff && remover.RemoveInOrder({key})) ++incomplete_removed;
  }

  // A backup whose removal failed is still there: it counts as kept.
  const int kept = static_cast<int>(refs.size()) - backups_removed;
  out << absl::StrFormat(
      "prune: %s %d backup%s and %d incomplete object%s (%d objects) from %s; kept %d "
      "backup%s\n",
      dry_run ? "would remove" : "removed", backups_removed, backups_removed == 1 ? "" : "s",
      incomplete_removed, incomplete_removed == 1 ? "" : "s", remover.objects(),
      (*storage)->Describe(), kept, kept == 1 ? "" : "s");
  return remover.failures() == 0 ? 0 : 1;
}

}  // namespace qs::backup
