// A plain pg_dump -Fc file restored into a database created for it, which
// is dropped again unless the caller keeps it: verify never keeps one,
// restore keeps it only once it has been checked and switched in.
//
//   QS_ASSIGN_OR_RETURN(std::unique_ptr<ScratchRestore> copy,
//       ScratchRestore::Restore(config.postgres, plain_dump, "quest_db_verify_...", object));
//   QS_RETURN_IF_ERROR(CompareFacts(expected, copy->facts(), copy->name()));
//   copy->Keep();    // otherwise the destructor drops it
//
// The dump restores as the backup role with ownership and grants as
// dumped (no --no-owner), so tables stay owned by `<svc>_owner` and the
// runtime role keeps its grants.
#ifndef QS_DEPLOY_BACKUP_SCRATCH_RESTORE_H_
#define QS_DEPLOY_BACKUP_SCRATCH_RESTORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "deploy/backup/backup_config.h"
#include "deploy/backup/database_facts.h"

namespace qs::backup {

class ScratchRestore {
 public:
  // Creates `name` (ALREADY_EXISTS when taken), runs pg_restore
  // --exit-on-error --jobs=`jobs` into it, ANALYZEs it (vacuumdb
  // --analyze-only --jobs: a restored database has no planner statistics,
  // and the services' queries would plan badly right after a switch) and
  // reads its facts. On any error the new database is dropped before
  // returning; messages name `object`. `dump_path` must be a seekable file
  // (pg_restore --jobs reads its table of contents out of order).
  static absl::StatusOr<std::unique_ptr<ScratchRestore>> Restore(const PostgresSettings& settings,
                                                                 const std::string& dump_path,
                                                                 const std::string& name,
                                                                 const std::string& object,
                                                                 int jobs);
  // Drops the database unless Keep() was called (a failure is printed to
  // stderr: the destructor cannot return it).
  ~ScratchRestore();
  ScratchRestore(const ScratchRestore&) = delete;
  ScratchRestore& operator=(const ScratchRestore&) = delete;

  const std::string& name() const { return name_; }
  const DatabaseFacts& facts() const { return facts_; }
  absl::Duration restore_time() const { return restore_time_; }  // pg_restore
  absl::Duration analyze_time() const { return analyze_time_; }
  // The database now belongs to the caller (renamed into place).
  void Keep() { kept_ = true; }
  // Drops it now; the status of the drop.
  absl::Status Drop();

 private:
  ScratchRestore(PostgresSettings settings, std::string name)
      : settings_(std::move(settings)), name_(std::move(name)) {}

  PostgresSettings settings_;
  std::string name_;
  DatabaseFacts facts_;
  absl::Duration restore_time_;
  absl::Duration analyze_time_;
  bool kept_ = false;
};

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_SCRATCH_RESTORE_H_
