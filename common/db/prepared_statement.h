// A statement a service registers once, by name, for every connection: the
// blocking pools (Database) and the async read path (AsyncReadPool) take
// the same list, which a service fills from
// ServiceDefinition::prepared_statements (common/service/service_main.h).
#ifndef QS_COMMON_DB_PREPARED_STATEMENT_H_
#define QS_COMMON_DB_PREPARED_STATEMENT_H_

#include <string>

namespace qs::db {

// When PostgreSQL plans a registered statement.
enum class Planning {
  // Prepared on every connection before its first use: parsed and planned
  // once, and after five runs PostgreSQL may keep a generic plan. For
  // statements whose plan does not depend on their parameters (lookups by
  // key).
  kPrepared,
  // Sent with its text on every call and planned for that call's values,
  // as an unprepared query is: for statements whose best plan depends on
  // them, such as optional filters written `($2 = '' OR author_id = $2)`,
  // where a generic plan would scan what a custom one skips. Never
  // prepared; on the blocking path run its text with Query.
  kPerCall,
};

struct PreparedStatement {
  std::string name;
  std::string sql;
  Planning planning = Planning::kPrepared;
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_PREPARED_STATEMENT_H_
