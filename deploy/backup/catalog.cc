#include "deploy/backup/catalog.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/base/status_macros.h"
#include "deploy/backup/manifest.h"
#include "deploy/backup/scratch_dir.h"

namespace qs::backup {
namespace {

constexpr absl::string_view kDumpSuffix = ".dump.age";
constexpr absl::string_view kManifestSuffix = ".manifest.json";

absl::StatusOr<std::string> ReadObject(BackupStorage& storage, const ScratchDir& dir,
                                       const std::string& key) {
  const std::string path = dir.Path("object");
  QS_RETURN_IF_ERROR(storage.Get(key, path));
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The manifest of `key`, checked against where it is stored: a manifest
// copied under another name must not vouch for another backup's dump.
absl::StatusOr<ops::v1::BackupManifest> ReadManifest(BackupStorage& storage, const ScratchDir& dir,
                                                     const std::string& database,
                                                     const std::string& backup_id,
                                                     const std::string& key) {
  QS_ASSIGN_OR_RETURN(std::string json, ReadObject(storage, dir, key));
  QS_ASSIGN_OR_RETURN(ops::v1::BackupManifest manifest, ManifestFromJson(json, key));
  if (manifest.database() != database || manifest.backup_id() != backup_id ||
      manifest.object_key() != DumpKey(database, backup_id)) {
    return absl::DataLossError(absl::StrCat(key, ": manifest describes ", manifest.object_key(),
                                            " of ", manifest.database()));
  }
  return manifest;
}

}  // namespace

absl::StatusOr<Catalog> ReadCatalog(BackupStorage& storage,
                                    const std::vector<std::string>& databases,
                                    const std::string& staging_dir) {
  QS_ASSIGN_OR_RETURN(ScratchDir dir, ScratchDir::Create(staging_dir));
  Catalog catalog;
  for (const std::string& database : databases) {
    const std::string prefix = database + "/";
    QS_ASSIGN_OR_RETURN(std::vector<StoredObject> objects, storage.ListObjects(prefix));
    std::vector<std::string> keys;
    std::map<std::string, int64_t> listed;  // key -> stored size
    for (const StoredObject& object : objects) {
      keys.push_back(object.key);
      listed[object.key] = object.size_bytes;
    }
    std::set<std::string> accounted;       // the objects of complete backups
    for (const std::string& key : keys) {  // sorted: ids in time order
      absl::string_view name = absl::StripPrefix(key, prefix);
      if (absl::StrContains(name, "/") || !absl::ConsumeSuffix(&name, kManifestSuffix)) continue;
      const std::string backup_id(name);
      absl::StatusOr<ops::v1::BackupManifest> manifest =
          ReadManifest(storage, dir, database, backup_id, key);
      if (absl::IsNotFound(manifest.status())) continue;  // pruned since listed
      const std::string dump_key = DumpKey(database, backup_id);
      if (absl::IsDataLoss(manifest.status())) {
        catalog.incomplete_reasons[key] = std::string(manifest.status().message());
        // The dump is not "without a manifest": its manifest is damaged.
        if (listed.count(dump_key) != 0) {
          catalog.incomplete_reasons[dump_key] =
              absl::StrCat("its manifest ", key, " is damaged: ", manifest.status().message());
        }
        continue;
      }
      if (!manifest.ok()) return manifest.status();
      const auto dump = listed.find(manifest->object_key());
      if (dump == listed.end()) {
        catalog.incomplete_reasons[key] =
            absl::StrCat("its dump ", manifest->object_key(), " is missing");
        continue;
      }
      if (dump->second != manifest->size_bytes()) {
        const std::string reason = absl::StrCat("stored size of ", dump->first, " is ",
                                                dump->second, " bytes, the manifest says ",
                                                manifest->size_bytes(), " (truncated or replaced)");
        catalog.incomplete_reasons[key] = reason;
        catalog.incomplete_reasons[dump->first] = reason;
        continue;
      }
      accounted.insert(key);
      accounted.insert(manifest->object_key());
      catalog.backups.push_back(*std::move(manifest));
    }
    for (const std::string& key : keys) {
      if (accounted.count(key) != 0) continue;
      if (catalog.incomplete_reasons.count(key) == 0) {
        catalog.incomplete_reasons[key] = absl::EndsWith(key, kDumpSuffix)
                                              ? "no manifest (cut off, or being written)"
                                              : "not a backup object";
      }
      catalog.incomplete_keys.push_back(key);
    }
  }
  return catalog;
}

absl::StatusOr<ops::v1::BackupManifest> FindBackup(const Catalog& catalog,
                                                   const std::string& database,
                                                   const std::string& backup_id) {
  const ops::v1::BackupManifest* found = nullptr;
  for (const ops::v1::BackupManifest& manifest : catalog.backups) {
    if (manifest.database() != database) continue;
    if (backup_id == "latest" || manifest.backup_id() == backup_id) found = &manifest;
  }
  if (found == nullptr && backup_id != "latest") {
    // Objects of that id are there but do not make a backup: say why,
    // naming the object, rather than that there is none.
    const auto reason_of = [&](const std::string& key) -> const std::string* {
      const auto it = catalog.incomplete_reasons.find(key);
      return it == catalog.incomplete_reasons.end() ? nullptr : &it->second;
    };
    if (const std::string* reason = reason_of(ManifestKey(database, backup_id))) {
      return absl::DataLossError(
          absl::StrCat("backup ", backup_id, " of ", database, " cannot be restored: ", *reason));
    }
    if (const std::string* reason = reason_of(DumpKey(database, backup_id))) {
      return absl::FailedPreconditionError(
          absl::StrCat("backup ", backup_id, " of ", database,
                       " is not complete: ", DumpKey(database, backup_id), ": ", *reason));
    }
  }
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("no complete backup ", backup_id, " of ", database,
                                            " (`backup list` shows the complete ones)"));
  }
  return *found;
}

}  // namespace qs::backup
