// What a backup records about its database and what verify/restore check
// a restored copy against: the rows of every table, the latest applied
// migration, and the database's owner and ACL.
//
//   pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> snapshot(connection);
//   DatabaseFacts facts = ReadDatabaseFacts(snapshot);   // throws pqxx errors
//   absl::Status same = CompareFacts(expected, restored, "quest_db_verify_...");
//
// Read inside the dump's snapshot, the counts are exactly what the dump
// holds, so a restored copy must match them row for row.
#ifndef QS_DEPLOY_BACKUP_DATABASE_FACTS_H_
#define QS_DEPLOY_BACKUP_DATABASE_FACTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "pqxx/pqxx"

namespace qs::backup {

struct DatabaseFacts {
  // "public.puzzles" -> rows, for every ordinary and partitioned table
  // outside the system schemas.
  std::map<std::string, int64_t> table_rows;
  // max(schema_migrations.version); "" when there is no such table or row.
  std::string migration_version;
  std::string owner;
  // pg_database.datacl as text; "" for the default privileges (NULL).
  std::string acl;
  std::string server_version;
};

struct TableName {
  std::string schema;
  std::string name;
};

// The ordinary and partitioned tables outside the system schemas (the ones
// the facts count), sorted; throws what libpqxx throws.
std::vector<TableName> ListTables(pqxx::transaction_base& tx);

// Reads the facts of the database `tx` is connected to. Call it at the
// repository boundary (postgres_connection.h WithConnection): it throws
// what libpqxx throws.
DatabaseFacts ReadDatabaseFacts(pqxx::transaction_base& tx);

// OK when `actual` has the same tables, row counts and migration version
// as `expected`; otherwise DATA_LOSS naming `database` and every
// difference ("public.puzzles: 120 rows in the backup, 119 restored").
absl::Status CompareFacts(const DatabaseFacts& expected, const DatabaseFacts& actual,
                          const std::string& database);

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_DATABASE_FACTS_H_
