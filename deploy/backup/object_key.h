// Object keys as both storage targets accept them: relative paths of plain
// segments ("quest_db/20261202T000012Z.dump.age"), so a key can neither
// leave a local target's directory nor mean two objects on S3.
#ifndef QS_DEPLOY_BACKUP_OBJECT_KEY_H_
#define QS_DEPLOY_BACKUP_OBJECT_KEY_H_

#include <string>

#include "absl/status/status.h"

namespace qs::backup {

// INVALID_ARGUMENT naming the key and `target` unless `key` is non-empty,
// relative, has no empty, "." or ".." segment and only [A-Za-z0-9._-/].
absl::Status CheckObjectKey(const std::string& key, const std::string& target);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_OBJECT_KEY_H_
