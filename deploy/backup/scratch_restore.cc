#include "deploy/backup/scratch_restore.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/status_macros.h"
#include "deploy/backup/database_admin.h"
#include "deploy/backup/postgres_connection.h"
#include "deploy/backup/process.h"
#include "deploy/backup/tool_errors.h"

namespace qs::backup {

absl::StatusOr<std::unique_ptr<ScratchRestore>> ScratchRestore::Restore(
    const PostgresSettings& settings, const std::string& dump_path, const std::string& name,
    const std::string& object, int jobs) {
  QS_RETURN_IF_ERROR(CreateEmptyDatabase(settings, name));
  // From here the destructor drops what a failed step leaves.
  std::unique_ptr<ScratchRestore> restored(new ScratchRestore(settings, name));
  absl::Time start = absl::Now();
  Command restore;
  restore.argv = {PgToolPath(settings, "pg_restore"),
                  "--exit-on-error",
                  "--no-password",
                  absl::StrCat("--jobs=", jobs),
                  absl::StrCat("--dbname=", name),
                  dump_path};
  restore.env = PgToolEnvironment(settings);
  QS_ASSIGN_OR_RETURN(CommandResult result, Run(restore));
  if (result.exit_code != 0) {
    return ToolFailure(absl::StrCat(name, ": pg_restore"), result, object);
  }
  restored->restore_time_ = absl::Now() - start;
  start = absl::Now();
  Command analyze;
  analyze.argv = {PgToolPath(settings, "vacuumdb"), "--analyze-only", "--no-password",
                  absl::StrCat("--jobs=", jobs), absl::StrCat("--dbname=", name)};
  analyze.env = PgToolEnvironment(settings);
  QS_ASSIGN_OR_RETURN(CommandResult analyzed, Run(analyze));
  if (analyzed.exit_code != 0) {
    return ToolFailure(absl::StrCat(name, ": vacuumdb --analyze-only"), analyzed, object);
  }
  restored->analyze_time_ = absl::Now() - start;
  QS_RETURN_IF_ERROR(WithConnection(settings, name, name, [&](pqxx::connection& connection) {
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(connection);
    restored->facts_ = ReadDatabaseFacts(tx);
    return absl::OkStatus();
  }));
  return restored;
}

absl::Status ScratchRestore::Drop() {
  kept_ = true;  // whatever the outcome: the destructor must not try again
  return DropDatabase(settings_, name_);
}

ScratchRestore::~ScratchRestore() {
  if (kept_) return;
  if (absl::Status dropped = DropDatabase(settings_, name_); !dropped.ok()) {
    std::fprintf(stderr, "warning: %s: could not drop it: %s\n", name_.c_str(),
                 std::string(dropped.message()).c_str());
  }
}

}  // namespace qs::backup
