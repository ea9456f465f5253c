// Applies and reverts one service's migrations on its own database, keeping
// the record in that database's `schema_migrations` table.
//
//   Migrator migrator(conninfo, *LoadMigrationDirectory("migrations/quest"));
//   absl::StatusOr<std::vector<AppliedMigration>> applied = migrator.Run();
//
// Guarantees:
// - Each migration runs in its own transaction together with its
//   schema_migrations row: it is applied entirely or not at all, and a
//   failure leaves the database at the last good version.
// - Run, Revert (and Status's reads) hold a PostgreSQL advisory lock, so
//   several instances starting at once apply each migration exactly once.
// - Before changing anything, the applied history is checked against the
//   files: an applied migration whose up part was edited (checksum) or whose
//   files are gone stops Run and Revert with FAILED_PRECONDITION naming it.
// Errors name the migration and carry PostgreSQL's message.
#ifndef QS_COMMON_MIGRATE_MIGRATOR_H_
#define QS_COMMON_MIGRATE_MIGRATOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/migrate/migration_set.h"

namespace qs::migrate {

struct AppliedMigration {
  std::string version;
  std::string name;
  std::string checksum;
  std::string applied_at;  // As PostgreSQL prints timestamptz.
  int64_t duration_ms = 0;
};

struct MigrationStatus {
  std::vector<AppliedMigration> applied;
  std::vector<Migration> pending;
  // Human-readable problems: edited or missing files of applied migrations.
  std::vector<std::string> drift;
};

class Migrator {
 public:
  Migrator(std::string conninfo, std::vector<Migration> migrations)
      : conninfo_(std::move(conninfo)), migrations_(std::move(migrations)) {}

  // Applies every pending migration in version order; returns those applied.
  absl::StatusOr<std::vector<AppliedMigration>> Run();

  // Runs the down part of the most recently applied migration; returns it.
  // NOT_FOUND when nothing is applied.
  absl::StatusOr<AppliedMigration> Revert();

  absl::StatusOr<MigrationStatus> Status();

 private:
  std::string conninfo_;
  std::vector<Migration> migrations_;
};

}  // namespace qs::migrate

#endif  // QS_COMMON_MIGRATE_MIGRATOR_H_
