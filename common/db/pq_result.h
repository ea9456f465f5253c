// A libpq PGresult as the pqxx::result the stores' row-mapping code reads,
// and a failed one as an absl::Status (the db_error.h table).
//
//   absl::StatusOr<pqxx::result> rows = ResultFromPq(conn, res, "read on quest-read-async");
//
// libpqxx 6.4 builds a result from a PGresult only inside its own classes
// (pqxx::internal::gate::result_creation, whose friends are connection_base
// and pipeline). The async read path owns its PGconn, so pq_result.cc
// reaches that same factory through the standard's access exception for
// explicit template instantiation: no copy of the rows, and the result
// frees the PGresult (PQclear) when its last copy goes.
#ifndef QS_COMMON_DB_PQ_RESULT_H_
#define QS_COMMON_DB_PQ_RESULT_H_

#include <postgresql/libpq-fe.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pqxx/result"

namespace qs::db {

// Takes ownership of `res`, a result of `conn` (it may be null: libpq's
// out-of-memory). A result with rows or a command status becomes a
// pqxx::result; an error becomes its status, and INTERNAL ones are logged
// with their detail. The connection must use client_encoding UTF8
// (AsyncReadPool sets it).
absl::StatusOr<pqxx::result> ResultFromPq(const PGconn* conn, PGresult* res,
                                          absl::string_view where);

// The status of a failed `res` (not taking ownership); OK when it succeeded.
// A failure without SQLSTATE (libpq's own: pipeline aborted, out of memory
// for a large result, an unexpected message) is UNAVAILABLE only when
// `conn` is CONNECTION_BAD, else INTERNAL: the session is still usable.
absl::Status StatusOfPq(const PGconn* conn, const PGresult* res, absl::string_view where);

// True when the failure in `res` means the session is gone: `conn` is
// CONNECTION_BAD, or SQLSTATE 08xxx / 57P0x. Only then may the statement be
// sent again elsewhere; any other failure is the statement's own answer.
bool PqResultLostConnection(const PGconn* conn, const PGresult* res);

}  // namespace qs::db

#endif  // QS_COMMON_DB_PQ_RESULT_H_
