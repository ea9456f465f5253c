// What a failed s3cmd run means, as the storage contract's status code
// (storage.h), from its exit code and its "ERROR:" lines.
//
// s3cmd reports a server's answer as "ERROR: S3 error: 403 (AccessDenied):
// Access Denied" (S3/Exceptions.py S3Error.__unicode__, printed by s3cmd's
// main as "S3 error: %s"), so the HTTP status is read from that line; its
// exit codes (S3/ExitCodes.py) cover the rest.
#ifndef QS_DEPLOY_BACKUP_S3CMD_STATUS_H_
#define QS_DEPLOY_BACKUP_S3CMD_STATUS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "deploy/backup/process.h"

namespace qs::backup {

// The HTTP status of an "S3 error: NNN (...)" line in `error_output`.
std::optional<int> S3cmdHttpStatus(const std::string& error_output);

// RESOURCE_EXHAUSTED (a full local disk, HTTP 507, quota), FAILED_PRECONDITION
// (no such bucket, s3cmd missing), PERMISSION_DENIED (403, refused keys),
// UNAVAILABLE (cannot connect, 503/429, timeouts), NOT_FOUND (404, a missing
// object), else INTERNAL.
absl::StatusCode S3cmdFailureCode(const CommandResult& result);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_S3CMD_STATUS_H_
