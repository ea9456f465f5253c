// SHA-256 of a file, read in pieces (dumps are larger than memory should
// hold): what a manifest records and verify/restore check before anything
// is decrypted.
//
//   QS_ASSIGN_OR_RETURN(std::string sha256, Sha256OfFile(staged_path));
#ifndef QS_DEPLOY_BACKUP_FILE_DIGEST_H_
#define QS_DEPLOY_BACKUP_FILE_DIGEST_H_

#include <string>

#include "absl/status/statusor.h"

namespace qs::backup {

// 64 lowercase hex digits. NOT_FOUND / PERMISSION_DENIED / ... naming the
// path when the file cannot be read.
absl::StatusOr<std::string> Sha256OfFile(const std::string& path);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_FILE_DIGEST_H_
