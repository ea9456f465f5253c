// Running the external tools a backup is made of (pg_dump, pg_restore, age,
// s3cmd), alone or as a pipeline, without a shell: arguments are passed as
// they are, so no value is ever interpreted by one.
#ifndef QS_DEPLOY_BACKUP_PROCESS_H_
#define QS_DEPLOY_BACKUP_PROCESS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace qs::backup {

struct Command {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH unless it has a '/'
  // Added to (or replacing in) the tool's environment, e.g. PGPASSWORD.
  std::map<std::string, std::string> env;
  // Standard input from this file ("" = /dev/null, or the previous stage's
  // output in a pipeline).
  std::string stdin_path;
  // Standard output to this file, created 0600 ("" = captured, or the next
  // stage's input in a pipeline).
  std::string stdout_path;
};

struct CommandResult {
  int exit_code = 0;         // 128+N when killed by signal N; 127 when not found
  std::string output;        // captured standard output (when not redirected)
  std::string error_output;  // captured standard error (always; last 64 KiB)
};

// Runs `command` to its end. An error only when it cannot be started.
absl::StatusOr<CommandResult> Run(const Command& command);

// Runs `stages` as stage[0] | stage[1] | ...; one result per stage.
absl::StatusOr<std::vector<CommandResult>> RunPipeline(const std::vector<Command>& stages);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_PROCESS_H_
