// A statement every connection of a service prepares once, before its first
// use: the blocking pools (Database) and the async read path
// (AsyncReadPool) take the same list, which a service fills from
// ServiceDefinition::prepared_statements (common/service/service_main.h).
#ifndef QS_COMMON_DB_PREPARED_STATEMENT_H_
#define QS_COMMON_DB_PREPARED_STATEMENT_H_

#include <string>

namespace qs::db {

struct PreparedStatement {
  std::string name;
  std::string sql;
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_PREPARED_STATEMENT_H_
