#include "common/db/pq_result.h"

#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/db/db_error.h"
#include "pqxx/connection_base"
#include "pqxx/internal/encoding_group.hxx"
#include "pqxx/pipeline"
#include "spdlog/spdlog.h"

// Last: the gate names pqxx::pipeline and connection_base, which it does
// not include itself.
#include "pqxx/internal/gates/result-creation.hxx"

namespace qs::db {
namespace {

using ResultFactory = pqxx::result (*)(pqxx::internal::pq::PGresult*, const std::string&,
                                       pqxx::internal::encoding_group);

// Explicit instantiation may name a private member ([temp.explicit]/14);
// the friend function it defines hands out the factory's address.
struct ResultFactoryTag {
  friend ResultFactory GetResultFactory(ResultFactoryTag);
};
template <ResultFactory kFactory>
struct ResultFactoryAccess {
  friend ResultFactory GetResultFactory(ResultFactoryTag) { return kFactory; }
};
template struct ResultFactoryAccess<&pqxx::internal::gate::result_creation::create>;

const std::string& NoQueryText() {
  static const std::string* const text = new std::string("(prepared statement)");
  return *text;
}

}  // namespace

bool PqResultLostConnection(const PGconn* conn, const PGresult* res) {
  if (conn == nullptr || PQstatus(conn) == CONNECTION_BAD) return true;
  if (res == nullptr) return false;
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  if (state == nullptr || !IsConnectionLostSqlState(state)) return false;
  // A server that ends the session says so with FATAL (57P01 after
  // pg_terminate_backend, 57P02/57P03, 08xxx at start-up). The same class at
  // severity ERROR leaves the session alive: 08P01 "bind message supplies 1
  // parameters, but prepared statement requires 2" is the statement's own
  // fault, and re-sending it elsewhere would only fail there too.
  const char* severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
  return severity == nullptr || std::strcmp(severity, "ERROR") != 0;
}

absl::Status StatusOfPq(const PGconn* conn, const PGresult* res, absl::string_view where) {
  if (res == nullptr) return absl::ResourceExhaustedError(absl::StrCat(where, ": out of memory"));
  switch (PQresultStatus(res)) {
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
    case PGRES_EMPTY_QUERY:
      return absl::OkStatus();
    default:
      break;
  }
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  absl::Status status;
  if ((state == nullptr || IsConnectionLostSqlState(state)) && !PqResultLostConnection(conn, res)) {
    // libpq's own error, or a connection-class SQLSTATE at severity ERROR,
    // on a live session (db_error.h reads both as a lost connection, which
    // holds only when it is gone): the statement's fault, INTERNAL.
    const absl::string_view message = PQresultErrorMessage(res);
    status = absl::InternalError(absl::StrCat(where, ": ", PQresStatus(PQresultStatus(res)),
                                              message.empty() ? "" : ": ",
                                              absl::StripTrailingAsciiWhitespace(message)));
  } else {
    status = StatusFromSqlState(state == nullptr ? "" : state, PQresultErrorMessage(res), where);
  }
  if (status.code() == absl::StatusCode::kInternal) {
    // The caller's status says only that it failed; the operator needs why.
    spdlog::error("{}", std::string(status.message()));
  }
  return status;
}

absl::StatusOr<pqxx::result> ResultFromPq(const PGconn* conn, PGresult* res,
                                          absl::string_view where) {
  absl::Status status = StatusOfPq(conn, res, where);
  if (!status.ok()) {
    PQclear(res);
    return status;
  }
  return GetResultFactory(ResultFactoryTag{})(res, NoQueryText(),
                                              pqxx::internal::encoding_group::UTF8);
}

}  // namespace qs::db
