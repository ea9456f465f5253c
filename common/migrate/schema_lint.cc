#include "common/migrate/schema_lint.h"

#include "common/db/db_error.h"
#include "pqxx/pqxx"

namespace qs::migrate {
namespace {

// Each query yields one violation message per row.
constexpr const char* kChecks[] = {
    // snake_case tables
    R"sql(SELECT 'table ' || c.relname || ': name is not snake_case'
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            AND c.relname !~ '^[a-z][a-z0-9]*(_[a-z0-9]+)*$')sql",
    // snake_case columns
    R"sql(SELECT 'column ' || c.relname || '.' || a.attname || ': name is not snake_case'
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            AND a.attname !~ '^[a-z][a-z0-9]*(_[a-z0-9]+)*$')sql",
    // primary key: exactly `id uuid DEFAULT gen_random_uuid()`
    R"sql(SELECT 'table ' || c.relname || ': primary key must be id uuid DEFAULT gen_random_uuid()'
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            AND NOT EXISTS (
              SELECT 1 FROM pg_constraint k
              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
              JOIN pg_attrdef d ON d.adrelid = k.conrelid AND d.adnum = a.attnum
              WHERE k.conrelid = c.oid AND k.contype = 'p' AND array_length(k.conkey, 1) = 1
                AND a.attname = 'id' AND a.atttypid = 'uuid'::regtype
                AND pg_get_expr(d.adbin, d.adrelid) = 'gen_random_uuid()'))sql",
    // foreign-key columns are <entity>_id
    R"sql(SELECT 'foreign key ' || k.conname || ': column ' || c.relname || '.' || a.attname
                 || ' must be named <entity>_id'
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
          WHERE n.nspname = 'public' AND k.contype = 'f'
            AND a.attname !~ '^[a-z][a-z0-9_]*_id$')sql",
    // every foreign key indexed: its columns lead some index
    R"sql(SELECT 'foreign key ' || k.conname || ' on ' || c.relname || ': no index starts with its columns'
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND k.contype = 'f'
            AND NOT EXISTS (
              SELECT 1 FROM pg_index i
              WHERE i.indrelid = k.conrelid
                AND (string_to_array(i.indkey::text, ' ')::int2[])[1:array_length(k.conkey, 1)]
                    = k.conkey))sql",
};

}  // namespace

absl::StatusOr<std::vector<std::string>> LintSchema(pqxx::transaction_base& tx) {
  try {
    std::vector<std::string> violations;
    for (const char* check : kChecks) {
      for (const pqxx::row& row : tx.exec(check)) {
        violations.push_back(row[0].as<std::string>());
      }
    }
    return violations;
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, "schema lint");
  }
}

}  // namespace qs::migrate
