// The naming conventions of the design, checked on a migrated database:
// - table and column names are snake_case;
// - every table's primary key is `id uuid DEFAULT gen_random_uuid()`;
// - foreign-key columns are named `<entity>_id`;
// - every foreign key is covered by an index (its columns lead an index).
// Code-side names stay camelCase and map to these columns in each store.
//
//   pqxx::read_transaction tx(connection);
//   absl::StatusOr<std::vector<std::string>> violations = LintSchema(tx);
//   // e.g. "table UserProgress: name is not snake_case"
#ifndef QS_COMMON_MIGRATE_SCHEMA_LINT_H_
#define QS_COMMON_MIGRATE_SCHEMA_LINT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pqxx/transaction_base"

namespace qs::migrate {

// One line per violation in schema `public`; empty when all is well.
absl::StatusOr<std::vector<std::string>> LintSchema(pqxx::transaction_base& tx);

}  // namespace qs::migrate

#endif  // QS_COMMON_MIGRATE_SCHEMA_LINT_H_
