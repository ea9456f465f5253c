#include "common/migrate/schema_diff.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace qs::migrate {
namespace {

// Identifiers come from the catalog of our own scratch databases; quoting
// keeps odd names (e.g. a mixed-case table the lint rejects) exact.
std::string Quote(const std::string& identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::string ColumnDefinition(const Column& column) {
  std::string definition = absl::StrCat(Quote(column.name), " ", column.type);
  if (!column.default_expr.empty()) absl::StrAppend(&definition, " DEFAULT ", column.default_expr);
  if (column.not_null) absl::StrAppend(&definition, " NOT NULL");
  return definition;
}

std::string AlterTable(const std::string& table) {
  return absl::StrCat("ALTER TABLE ", Quote(table), " ");
}

template <typename Map>
bool Changed(const Map& to, const typename Map::mapped_type& item) {
  auto it = to.find(item.name);
  return it == to.end() || !(it->second == item);
}

}  // namespace

std::vector<std::string> DiffSchemas(const Schema& from, const Schema& to) {
  std::vector<std::string> out;
  auto table_dropped = [&](const std::string& table) {
    return from.tables.count(table) && !to.tables.count(table);
  };

  // 1. Constraints that go away or change: foreign keys first, since other
  //    constraints (a referenced primary key) may depend on them.
  for (bool foreign_keys : {true, false}) {
    for (const auto& [name, constraint] : from.constraints) {
      if ((constraint.type == 'f') != foreign_keys) continue;
      if (!Changed(to.constraints, constraint) || table_dropped(constraint.table)) continue;
      out.push_back(
          absl::StrCat(AlterTable(constraint.table), "DROP CONSTRAINT ", Quote(name), ";"));
    }
  }
  // 2. Indexes that go away or change.
  for (const auto& [name, index] : from.indexes) {
    if (!Changed(to.indexes, index) || table_dropped(index.table)) continue;
    out.push_back(absl::StrCat("DROP INDEX ", Quote(name), ";"));
  }
  // 3. Tables that go away.
  for (const auto& [name, table] : from.tables) {
    if (!to.tables.count(name)) out.push_back(absl::StrCat("DROP TABLE ", Quote(name), ";"));
  }
  // 4. New tables, columns only (constraints follow in step 7).
  for (const auto& [name, table] : to.tables) {
    if (from.tables.count(name)) continue;
    std::vector<std::string> columns;
    for (const Column& column : table.columns) columns.push_back("    " + ColumnDefinition(column));
    out.push_back(
        absl::StrCat("CREATE TABLE ", Quote(name), " (\n", absl::StrJoin(columns, ",\n"), "\n);"));
  }
  // 5. Columns of tables in both.
  for (const auto& [name, table] : to.tables) {
    auto old_table = from.tables.find(name);
    if (old_table == from.tables.end()) continue;
    for (const Column& old_column : old_table->second.columns) {
      if (table.Find(old_column.name) == nullptr) {
        out.push_back(absl::StrCat(AlterTable(name), "DROP COLUMN ", Quote(old_column.name), ";"));
      }
    }
    for (const Column& column : table.columns) {
      const Column* old_column = old_table->second.Find(column.name);
      if (old_column == nullptr) {
        out.push_back(absl::StrCat(AlterTable(name), "ADD COLUMN ", ColumnDefinition(column), ";"));
        continue;
      }
      const std::string alter =
          absl::StrCat(AlterTable(name), "ALTER COLUMN ", Quote(column.name), " ");
      const bool type_changed = old_column->type != column.type;
      const bool default_changed = old_column->default_expr != column.default_expr;
      // A default of the old type may not cast: drop it before the change.
      if ((type_changed || default_changed) && !old_column->default_expr.empty()) {
        out.push_back(alter + "DROP DEFAULT;");
      }
      if (type_changed) {
        out.push_back(absl::StrCat(alter, "TYPE ", column.type, " USING ", Quote(column.name),
                                   "::", column.type, ";"));
      }
      if ((type_changed || default_changed) && !column.default_expr.empty()) {
        out.push_back(absl::StrCat(alter, "SET DEFAULT ", column.default_expr, ";"));
      }
      if (old_column->not_null != column.not_null) {
        out.push_back(alter + (column.not_null ? "SET NOT NULL;" : "DROP NOT NULL;"));
      }
    }
  }
  // 6. New or changed indexes.
  for (const auto& [name, index] : to.indexes) {
    if (Changed(from.indexes, index)) out.push_back(index.definition + ";");
  }
  // 7. New or changed constraints, foreign keys last (they need the
  //    referenced primary key or unique constraint).
  for (bool foreign_keys : {false, true}) {
    for (const auto& [name, constraint] : to.constraints) {
      if ((constraint.type == 'f') != foreign_keys) continue;
      if (!Changed(from.constraints, constraint)) continue;
      out.push_back(absl::StrCat(AlterTable(constraint.table), "ADD CONSTRAINT ", Quote(name), " ",
                                 constraint.definition, ";"));
    }
  }
  return out;
}

}  // namespace qs::migrate
