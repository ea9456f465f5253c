#include "deploy/backup/database_facts.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace qs::backup {

std::vector<TableName> ListTables(pqxx::transaction_base& tx) {
  // Materialized views and foreign tables are left out: pg_restore
  // rebuilds the first from tables that are counted, the second holds no
  // rows of ours.
  pqxx::result rows = tx.exec(
      "SELECT n.nspname, c.relname FROM pg_class c "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' "
      "AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1, 2");
  std::vector<TableName> tables;
  for (const pqxx::row& row : rows) {
    tables.push_back({row[0].as<std::string>(), row[1].as<std::string>()});
  }
  return tables;
}

DatabaseFacts ReadDatabaseFacts(pqxx::transaction_base& tx) {
  DatabaseFacts facts;
  pqxx::row database = tx.exec1(
      "SELECT pg_get_userbyid(datdba), coalesce(datacl::text, ''), "
      "current_setting('server_version') FROM pg_database WHERE datname = current_database()");
  facts.owner = database[0].as<std::string>();
  facts.acl = database[1].as<std::string>();
  facts.server_version = database[2].as<std::string>();

  for (const TableName& table : ListTables(tx)) {
    facts.table_rows[absl::StrCat(table.schema, ".", table.name)] = tx.exec1(absl::StrCat(
        "SELECT count(*) FROM ", tx.quote_name(table.schema), ".", tx.quote_name(table.name)))[0]
                                                                        .as<int64_t>();
  }
  if (facts.table_rows.count("public.schema_migrations") != 0) {
    pqxx::row latest = tx.exec1("SELECT max(version) FROM public.schema_migrations");
    if (!latest[0].is_null()) facts.migration_version = latest[0].as<std::string>();
  }
  return facts;
}

absl::Status CompareFacts(const DatabaseFacts& expected, const DatabaseFacts& actual,
                          const std::string& database) {
  std::vector<std::string> differences;
  if (expected.migration_version != actual.migration_version) {
    differences.push_back(absl::StrCat("migration version ", expected.migration_version,
                                       " in the backup, ", actual.migration_version, " restored"));
  }
  for (const auto& [table, rows] : expected.table_rows) {
    auto found = actual.table_rows.find(table);
    if (found == actual.table_rows.end()) {
      differences.push_back(absl::StrCat(table, ": missing"));
    } else if (found->second != rows) {
      differences.push_back(
          absl::StrCat(table, ": ", rows, " rows in the backup, ", found->second, " restored"));
    }
  }
  for (const auto& [table, rows] : actual.table_rows) {
    if (expected.table_rows.count(table) == 0) {
      differences.push_back(absl::StrCat(table, ": not in the backup"));
    }
  }
  if (differences.empty()) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat(database, ": restored copy differs: ", absl::StrJoin(differences, "; ")));
}

}  // namespace qs::backup
