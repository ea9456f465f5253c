// A database's schema as PostgreSQL's catalog describes it: tables, columns,
// indexes and constraints of schema `public` (schema_migrations excluded).
// Used to compare two databases (schema_diff.h) and to lint naming
// conventions (schema_lint.h).
//
//   pqxx::connection connection(conninfo);
//   absl::StatusOr<Schema> schema = ReadSchema(connection);
#ifndef QS_COMMON_MIGRATE_SCHEMA_CATALOG_H_
#define QS_COMMON_MIGRATE_SCHEMA_CATALOG_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pqxx/connection"

namespace qs::migrate {

struct Column {
  std::string name;
  std::string type;  // format_type(), e.g. "character varying(80)"
  bool not_null = false;
  std::string default_expr;  // pg_get_expr(); empty when none
  int position = 0;
  bool operator==(const Column& o) const {
    return name == o.name && type == o.type && not_null == o.not_null &&
           default_expr == o.default_expr;
  }
};

struct Table {
  std::string name;
  std::vector<Column> columns;  // In attnum order.
  const Column* Find(const std::string& column) const;
};

// An index that does not back a constraint (those come with the constraint).
struct Index {
  std::string name;
  std::string table;
  std::string definition;  // pg_get_indexdef(): a whole CREATE INDEX statement.
  bool operator==(const Index& o) const { return definition == o.definition; }
};

struct Constraint {
  std::string name;
  std::string table;
  char type = 0;           // 'p' primary key, 'u' unique, 'f' foreign key, 'c' check
  std::string definition;  // pg_get_constraintdef(), e.g. "FOREIGN KEY (x) REFERENCES y(id)"
  bool operator==(const Constraint& o) const {
    return table == o.table && type == o.type && definition == o.definition;
  }
};

struct Schema {
  std::map<std::string, Table> tables;
  std::map<std::string, Index> indexes;
  std::map<std::string, Constraint> constraints;
};

absl::StatusOr<Schema> ReadSchema(pqxx::connection& connection);

// Equal when every table, column (by name), index and constraint matches.
bool SameSchema(const Schema& a, const Schema& b);

}  // namespace qs::migrate

#endif  // QS_COMMON_MIGRATE_SCHEMA_CATALOG_H_
