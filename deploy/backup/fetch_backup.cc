#include "deploy/backup/fetch_backup.h"

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "deploy/backup/age_cipher.h"
#include "deploy/backup/file_digest.h"

namespace qs::backup {

absl::Status FetchBackup(BackupStorage& storage, const ops::v1::BackupManifest& manifest,
                         const std::string& identity_file, const ScratchDir& staging,
                         const std::string& plain_path) {
  const std::string& object = manifest.object_key();
  const std::string encrypted = staging.Path("object.age");
  QS_RETURN_IF_ERROR(storage.Get(object, encrypted));
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(encrypted, error);
  if (error) {
    return absl::InternalError(absl::StrCat(object, ": downloaded copy: ", error.message()));
  }
  if (static_cast<int64_t>(size) != manifest.size_bytes()) {
    return absl::DataLossError(absl::StrCat(object, " in ", storage.Describe(), ": ", size,
                                            " bytes, the manifest says ", manifest.size_bytes(),
                                            " (truncated or replaced object)"));
  }
  QS_ASSIGN_OR_RETURN(std::string sha256, Sha256OfFile(encrypted));
  if (sha256 != manifest.sha256()) {
    return absl::DataLossError(absl::StrCat(object, " in ", storage.Describe(),
                                            ": checksum mismatch: sha256 ", sha256,
                                            ", the manifest says ", manifest.sha256()));
  }
  absl::Status decrypted = Decrypt(encrypted, identity_file, plain_path, object);
  std::filesystem::remove(encrypted, error);
  return decrypted;
}

}  // namespace qs::backup
