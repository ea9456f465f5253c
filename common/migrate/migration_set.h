// The versioned migrations of one service, read from files named
//
//   <14-digit timestamp>_<snake_case_description>.up.sql
//   <14-digit timestamp>_<snake_case_description>.down.sql
//
// e.g. 20261124120000_create_puzzles.up.sql. Every version needs both parts.
//
//   absl::StatusOr<std::vector<Migration>> all = LoadMigrationDirectory("migrations/quest");
//   absl::StatusOr<std::vector<Migration>> same = ParseMigrationFiles(EmbeddedMigrations());
#ifndef QS_COMMON_MIGRATE_MIGRATION_SET_H_
#define QS_COMMON_MIGRATE_MIGRATION_SET_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qs::migrate {

struct Migration {
  std::string version;  // "20261124120000"
  std::string name;     // "create_puzzles"
  std::string up_sql;
  std::string down_sql;
  std::string checksum;  // SHA-256 (hex) of up_sql: detects edits after apply.

  std::string id() const { return version + "_" + name; }
};

struct MigrationFile {
  std::string filename;  // Base name, e.g. "20261124120000_create_puzzles.up.sql".
  std::string contents;
};

// Sorted by version. INVALID_ARGUMENT naming the file for a badly named
// .sql file, a duplicate version, or a missing up or down part.
absl::StatusOr<std::vector<Migration>> ParseMigrationFiles(const std::vector<MigrationFile>& files);

// Reads every *.sql file of `directory` (other files are ignored).
absl::StatusOr<std::vector<Migration>> LoadMigrationDirectory(const std::string& directory);

// One set from several directories, e.g. {"migrations/common",
// "migrations/quest"}: a service's own migrations plus the shared ones.
absl::StatusOr<std::vector<Migration>> LoadMigrationDirectories(
    const std::vector<std::string>& directories);

std::string Sha256Hex(absl::string_view data);

}  // namespace qs::migrate

#endif  // QS_COMMON_MIGRATE_MIGRATION_SET_H_
