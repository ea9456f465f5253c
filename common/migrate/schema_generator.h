// `migrate generate`: the design's workflow "change the entity, generate the
// migration, run it".
//
// Each service declares its desired schema in one file (<service>/schema.sql).
// GenerateMigration builds the schema the existing migrations produce in one
// scratch database and the desired schema in another, compares them through
// the catalog (schema_catalog.h / schema_diff.h), checks that the generated
// up part really turns the first into the second, and writes
// <version>_<name>.up.sql and .down.sql. When nothing differs it writes
// nothing. The scratch databases are always dropped.
#ifndef QS_COMMON_MIGRATE_SCHEMA_GENERATOR_H_
#define QS_COMMON_MIGRATE_SCHEMA_GENERATOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config/db_config.h"
#include "common/migrate/migration_set.h"

namespace qs::migrate {

struct GenerateRequest {
  std::string service;
  std::string name;                       // snake_case description
  config::DbConfig admin;                 // a role that may CREATE DATABASE
  std::vector<std::string> schema_files;  // desired schema, concatenated
  std::string output_directory;           // where the new migration goes
  std::vector<Migration> migrations;
};

struct GenerateResult {
  std::vector<std::string> up;  // statements; empty when nothing differs
  std::vector<std::string> down;
  std::string up_path;  // empty when nothing was written
  std::string down_path;
};

absl::StatusOr<GenerateResult> GenerateMigration(const GenerateRequest& request);

// A version after every existing one: the current UTC time as
// YYYYMMDDHHMMSS, or one more than the latest when the clock is behind it.
std::string NextVersion(const std::vector<Migration>& migrations);

}  // namespace qs::migrate

#endif  // QS_COMMON_MIGRATE_SCHEMA_GENERATOR_H_
