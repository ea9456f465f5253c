#include "deploy/backup/run_command.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/base/status_macros.h"
#include "deploy/backup/dump.h"
#include "deploy/backup/file_digest.h"
#include "deploy/backup/manifest.h"
#include "deploy/backup/scratch_dir.h"
#include "google/protobuf/util/time_util.h"

namespace qs::backup {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

// Ids have whole seconds: two runs in one second would share one, and the
// second would overwrite the first's objects. Wait for a fresh second.
absl::StatusOr<std::string> FreshBackupId(BackupStorage& storage, const std::string& database) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::string id = BackupIdAt(absl::Now());
    QS_ASSIGN_OR_RETURN(std::vector<std::string> taken,
                        storage.List(absl::StrCat(database, "/", id)));
    if (taken.empty()) return id;
    absl::SleepFor(absl::Seconds(1));
  }
  return absl::AlreadyExistsError(
      absl::StrCat(database, ": no fresh backup id in ", storage.Describe()));
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return absl::ResourceExhaustedError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ops::v1::BackupManifest> BackUpDatabase(const BackupConfig& config,
                                                       BackupStorage& storage,
                                                       const std::string& database) {
  // Removed with the staged files whatever the outcome.
  QS_ASSIGN_OR_RETURN(ScratchDir staging, ScratchDir::Create(config.staging_dir));
  QS_ASSIGN_OR_RETURN(const std::string backup_id, FreshBackupId(storage, database));
  const std::string object = DumpKey(database, backup_id);
  const std::string encrypted = staging.Path("dump.age");
  absl::StatusOr<DumpedDatabase> dumped = DumpDatabase(config, database, encrypted);
  if (!dumped.ok()) {
    return absl::Status(dumped.status().code(),
                        absl::StrCat(object, ": ", dumped.status().message()));
  }
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(encrypted, error);
  if (error) return absl::InternalError(absl::StrCat(object, ": ", error.message()));
  QS_ASSIGN_OR_RETURN(std::string sha256, Sha256OfFile(encrypted));

  ops::v1::BackupManifest manifest;
  manifest.set_backup_id(backup_id);
  manifest.set_database(database);
  *manifest.mutable_created_at() = ToTimestamp(dumped->snapshot_at);
  manifest.set_object_key(object);
  manifest.set_size_bytes(static_cast<int64_t>(size));
  manifest.set_sha256(sha256);
  manifest.set_postgres_version(dumped->facts.server_version);
  manifest.set_pg_dump_version(dumped->pg_dump_version);
  manifest.set_migration_version(dumped->facts.migration_version);
  manifest.mutable_table_rows()->insert(dumped->facts.table_rows.begin(),
                                        dumped->facts.table_rows.end());
  manifest.set_encryption("age");
  for (const std::string& recipient : config.age_recipients) manifest.add_recipients(recipient);
  manifest.set_database_owner(dumped->facts.owner);
  manifest.set_database_acl(dumped->facts.acl);

  QS_RETURN_IF_ERROR(storage.Put(encrypted, object));
  std::filesystem::remove(encrypted, error);
  *manifest.mutable_finished_at() = ToTimestamp(absl::Now());
  const std::string manifest_file = staging.Path("manifest.json");
  QS_RETURN_IF_ERROR(WriteFile(manifest_file, ManifestToJson(manifest)));
  QS_RETURN_IF_ERROR(storage.Put(manifest_file, ManifestKey(database, backup_id)));
  return manifest;
}

int RunBackups(const BackupConfig& config, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::unique_ptr<BackupStorage>> storage = OpenStorage(config);
  if (!storage.ok()) {
    err << "backup run: " << storage.status().message() << "\n";
    return 2;
  }
  int failed = 0;
  for (const std::string& database : config.databases) {
    const absl::Time start = absl::Now();
    absl::StatusOr<ops::v1::BackupManifest> manifest = BackUpDatabase(config, **storage, database);
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (!manifest.ok()) {
      ++failed;
      err << database << ": FAILED (" << absl::StatusCodeToString(manifest.status().code())
          << ") to " << (*storage)->Describe() << ": " << manifest.status().message() << "\n";
      continue;
    }
    out << absl::StrFormat("%s: %s %d bytes in %.1f s -> %s\n", database, manifest->backup_id(),
                           manifest->size_bytes(), seconds, manifest->object_key());
  }
  out << absl::StrFormat("backup run: %d of %d databases backed up to %s\n",
                         config.databases.size() - failed, config.databases.size(),
                         (*storage)->Describe());
  return failed == 0 ? 0 : 1;
}

}  // namespace qs::backup
