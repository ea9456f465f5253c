#include "common/db/db_error.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "pqxx/except"

namespace qs::db {
namespace {

absl::StatusCode CodeForSqlState(absl::string_view state) {
  if (state == "23505") return absl::StatusCode::kAlreadyExists;
  if (state == "23503" || state == "23502") {
    return absl::StatusCode::kFailedPrecondition;
  }
  if (state == "23514" || absl::StartsWith(state, "22")) {
    return absl::StatusCode::kInvalidArgument;
  }
  if (state == "40001" || state == "40P01") return absl::StatusCode::kAborted;
  if (state == "57014") return absl::StatusCode::kDeadlineExceeded;
  if (state == "25006") return absl::StatusCode::kFailedPrecondition;
  if (state == "42501") return absl::StatusCode::kPermissionDenied;
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P")) {
    return absl::StatusCode::kUnavailable;
  }
  if (absl::StartsWith(state, "53")) return absl::StatusCode::kResourceExhausted;
  return absl::StatusCode::kInternal;
}

std::string Trimmed(absl::string_view what) {
  return std::string(absl::StripTrailingAsciiWhitespace(what));
}

// The payload that carries a status's SQLSTATE (SqlStateOf).
constexpr char kSqlStatePayload[] = "qs.db/sqlstate";

absl::Status StatusForSqlState(absl::string_view sqlstate, absl::string_view message,
                               absl::string_view where) {
  absl::Status status(CodeForSqlState(sqlstate),
                      absl::StrCat(where, ": ", Trimmed(message), " [SQLSTATE ", sqlstate, "]"));
  status.SetPayload(kSqlStatePayload, absl::Cord(sqlstate));
  return status;
}

}  // namespace

std::string SqlStateOf(const absl::Status& status) {
  const auto sqlstate = status.GetPayload(kSqlStatePayload);  // absl::optional<absl::Cord>
  return sqlstate ? std::string(*sqlstate) : std::string();
}

bool IsConnectionLostSqlState(absl::string_view sqlstate) {
  return absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P");
}

absl::Status StatusFromSqlState(absl::string_view sqlstate, absl::string_view message,
                                absl::string_view where) {
  if (sqlstate.empty()) {
    // libpq's own errors (no SQLSTATE) are about the connection.
    return absl::UnavailableError(absl::StrCat(where, ": connection lost: ", Trimmed(message)));
  }
  return StatusForSqlState(sqlstate, message, where);
}

bool IsConnectionLost(const std::exception& error) {
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) {
    return true;
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    return IsConnectionLostSqlState(sql->sqlstate());
  }
  return false;
}

absl::Status StatusFromDbException(const std::exception& error, absl::string_view where) {
  if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) {
    return absl::UnavailableError(
        absl::StrCat(where, ": connection lost during commit; outcome unknown"));
  }
  if (dynamic_cast<const pqxx::too_many_connections*>(&error) != nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(where, ": ", Trimmed(error.what())));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) {
    return absl::UnavailableError(
        absl::StrCat(where, ": connection lost: ", Trimmed(error.what())));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    // libpqxx 6.4 throws insufficient_privilege without its SQLSTATE; the
    // runtime role meets it whenever a statement needs more than DML.
    const bool privilege = sql->sqlstate().empty() &&
                           dynamic_cast<const pqxx::insufficient_privilege*>(&error) != nullptr;
    return StatusForSqlState(privilege ? "42501" : sql->sqlstate(), sql->what(), where);
  }
  return absl::InternalError(absl::StrCat(where, ": ", Trimmed(error.what())));
}

}  // namespace qs::db
