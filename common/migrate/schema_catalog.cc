#include "common/migrate/schema_catalog.h"

#include "common/db/db_error.h"
#include "pqxx/pqxx"

namespace qs::migrate {

const Column* Table::Find(const std::string& column) const {
  for (const Column& c : columns) {
    if (c.name == column) return &c;
  }
  return nullptr;
}

absl::StatusOr<Schema> ReadSchema(pqxx::connection& connection) {
  try {
    pqxx::read_transaction tx(connection);
    Schema schema;
    for (const pqxx::row& row : tx.exec(R"sql(
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, coalesce(pg_get_expr(d.adbin, d.adrelid), ''), a.attnum
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
        WHERE c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'
        ORDER BY c.relname, a.attnum)sql")) {
      Table& table = schema.tables[row[0].as<std::string>()];
      table.name = row[0].as<std::string>();
      table.columns.push_back({row[1].as<std::string>(), row[2].as<std::string>(),
                               row[3].as<bool>(), row[4].as<std::string>(), row[5].as<int>()});
    }
    for (const pqxx::row& row : tx.exec(R"sql(
        SELECT i.relname, t.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
        WHERE t.relname <> 'schema_migrations'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid
                          AND k.contype IN ('p', 'u', 'x')))sql")) {
      schema.indexes[row[0].as<std::string>()] = {
          row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()};
    }
    for (const pqxx::row& row : tx.exec(R"sql(
        SELECT k.conname, t.relname, k.contype, pg_get_constraintdef(k.oid)
        FROM pg_constraint k
        JOIN pg_class t ON t.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
        WHERE t.relname <> 'schema_migrations' AND k.contype IN ('p', 'u', 'f', 'c'))sql")) {
      schema.constraints[row[0].as<std::string>()] = {
          row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()[0],
          row[3].as<std::string>()};
    }
    return schema;
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, "reading the schema catalog");
  }
}

bool SameSchema(const Schema& a, const Schema& b) {
  if (a.tables.size() != b.tables.size() || a.indexes != b.indexes ||
      a.constraints != b.constraints) {
    return false;
  }
  for (const auto& [name, table] : a.tables) {
    auto other = b.tables.find(name);
    if (other == b.tables.end() || other->second.columns.size() != table.columns.size()) {
      return false;
    }
    for (const Column& column : table.columns) {
      const Column* match = other->second.Find(column.name);
      if (match == nullptr || !(*match == column)) return false;
    }
  }
  return true;
}

}  // namespace qs::migrate
