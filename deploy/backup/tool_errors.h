// The status of an external tool (pg_dump, pg_restore, age) that exited
// with an error: its last lines of standard error, named by what ran and
// the file or object involved.
//
//   return ToolFailure("quest_db: pg_restore", result, "quest_db/2026...dump.age");
//   // INTERNAL "quest_db: pg_restore failed (exit 1) on quest_db/...: <stderr>"
#ifndef QS_DEPLOY_BACKUP_TOOL_ERRORS_H_
#define QS_DEPLOY_BACKUP_TOOL_ERRORS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "deploy/backup/process.h"

namespace qs::backup {

// RESOURCE_EXHAUSTED when the tool ran out of disk ("No space left on
// device"), UNAVAILABLE when it could not reach the server, NOT_FOUND when
// it could not be started (exit 127), INTERNAL otherwise.
absl::Status ToolFailure(absl::string_view what, const CommandResult& result,
                         absl::string_view object);

// The failure of a pipeline (`names[i]` ran as stage i), or OK when every
// stage exited 0. A stage killed by SIGPIPE (exit 141) only saw its reader
// die: the stage after it that failed for a reason of its own is reported
// (age's "no space left on device" rather than pg_dump's empty exit 141).
absl::Status PipelineFailure(const std::vector<std::string>& names,
                             const std::vector<CommandResult>& results, absl::string_view object);

// True when a tool's message says the disk is full (case-insensitive: libc
// says "No space left on device", age and Go tools "no space left on device").
bool SaysDiskFull(absl::string_view error_output);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_TOOL_ERRORS_H_
