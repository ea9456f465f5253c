// The SQL that turns one schema into another (pure logic, no I/O).
//
//   std::vector<std::string> up = DiffSchemas(current, desired);
//   std::vector<std::string> down = DiffSchemas(desired, current);
//
// Covers: new/dropped tables, new/dropped columns, column type, nullability
// and default changes, new/dropped/changed indexes (incl. unique),
// constraints (primary key, unique, foreign key, check). Order: drop foreign
// keys, other constraints and indexes that go away; drop tables; create
// tables; drop/add/alter columns; create indexes; add constraints (foreign
// keys last), so that every statement's dependencies already exist.
#ifndef QS_COMMON_MIGRATE_SCHEMA_DIFF_H_
#define QS_COMMON_MIGRATE_SCHEMA_DIFF_H_

#include <string>
#include <vector>

#include "common/migrate/schema_catalog.h"

namespace qs::migrate {

std::vector<std::string> DiffSchemas(const Schema& from, const Schema& to);

}  // namespace qs::migrate

#endif  // QS_COMMON_MIGRATE_SCHEMA_DIFF_H_
