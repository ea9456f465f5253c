// The one place where libpqxx exceptions become absl::Status.
//
// Stores run SQL inside Database::Read/Write, which catch every exception and
// call StatusFromDbException, so nothing above the store ever sees a pqxx
// type or an exception. The mapping follows the SQLSTATE classes:
//
// | SQLSTATE / exception                | status              |
// |-------------------------------------|---------------------|
// | broken_connection, 08xxx, 57P0x     | UNAVAILABLE         |
// | in_doubt_error (commit unknown)     | UNAVAILABLE         |
// | 53300 too many connections, 53xxx   | RESOURCE_EXHAUSTED  |
// | 23505 unique_violation              | ALREADY_EXISTS      |
// | 23503 foreign_key, 23502 not_null   | FAILED_PRECONDITION |
// | 23514 check, 22xxx data exception   | INVALID_ARGUMENT    |
// | 40001 serialization, 40P01 deadlock | ABORTED             |
// | 57014 query_canceled                | DEADLINE_EXCEEDED   |
// | 25006 read-only transaction         | FAILED_PRECONDITION |
// | 42501 insufficient privilege        | PERMISSION_DENIED   |
// | anything else                       | INTERNAL            |
#ifndef QS_COMMON_DB_DB_ERROR_H_
#define QS_COMMON_DB_DB_ERROR_H_

#include <exception>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace qs::db {

// `where` names the operation for the message, e.g. "read on quest-read".
absl::Status StatusFromDbException(const std::exception& error, absl::string_view where);

// True when the exception means the connection itself is gone.
bool IsConnectionLost(const std::exception& error);

// The same table for an error reported by libpq itself (the async read path
// sees a PGresult, not an exception): `sqlstate` as PG_DIAG_SQLSTATE gives it
// (empty when libpq produced the error locally, e.g. a lost socket).
absl::Status StatusFromSqlState(absl::string_view sqlstate, absl::string_view message,
                                absl::string_view where);

// True when `sqlstate` means the session is gone (08xxx, 57P0x).
bool IsConnectionLostSqlState(absl::string_view sqlstate);

// The SQLSTATE of the server error a status was made from (by the two
// functions above), or empty: for a caller that must tell its own raised
// errors apart, e.g. one raised by a statement deferred to the commit.
std::string SqlStateOf(const absl::Status& status);

}  // namespace qs::db

#endif  // QS_COMMON_DB_DB_ERROR_H_
