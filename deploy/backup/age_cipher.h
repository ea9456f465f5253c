// Client-side encryption with age (https://age-encryption.org): backing up
// needs only the public recipients; the private identity is read only to
// verify or restore.
#ifndef QS_DEPLOY_BACKUP_AGE_CIPHER_H_
#define QS_DEPLOY_BACKUP_AGE_CIPHER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "deploy/backup/process.h"

namespace qs::backup {

// The pipeline stage that encrypts its standard input to `recipients`
// (for RunPipeline after pg_dump).
Command EncryptStage(const std::vector<std::string>& recipients);

// Decrypts `encrypted_path` into `plain_path` (0600) with the identity
// file. A wrong or missing key is FAILED_PRECONDITION naming the object
// ("quest_db/...dump.age: no identity matched"), a damaged object DATA_LOSS,
// a full disk RESOURCE_EXHAUSTED.
absl::Status Decrypt(const std::string& encrypted_path, const std::string& identity_file,
                     const std::string& plain_path, const std::string& object_name);

// INVALID_ARGUMENT unless each recipient is a well-formed age public key.
absl::Status CheckRecipients(const std::vector<std::string>& recipients);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_AGE_CIPHER_H_
