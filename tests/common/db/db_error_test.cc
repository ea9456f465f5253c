// The libpqxx-exception → absl::Status mapping, on constructed exceptions.
#include "common/db/db_error.h"

#include <stdexcept>

#include "gtest/gtest.h"
#include "pqxx/except"

namespace qs::db {
namespace {

absl::StatusCode CodeFor(const std::string& sqlstate) {
  return StatusFromDbException(pqxx::sql_error("boom", "SELECT 1", sqlstate.c_str()), "test")
      .code();
}

TEST(DbErrorTest, MapsSqlStatesToCanonicalCodes) {
  EXPECT_EQ(CodeFor("23505"), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CodeFor("23503"), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeFor("23502"), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeFor("23514"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeFor("22P02"), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeFor("40001"), absl::StatusCode::kAborted);
  EXPECT_EQ(CodeFor("40P01"), absl::StatusCode::kAborted);
  EXPECT_EQ(CodeFor("57014"), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(CodeFor("25006"), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeFor("42501"), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeFor("08006"), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeFor("57P01"), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeFor("53300"), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(CodeFor("42601"), absl::StatusCode::kInternal);
}

TEST(DbErrorTest, ConnectionFailuresAreUnavailable) {
  absl::Status lost = StatusFromDbException(pqxx::broken_connection("server closed"), "read");
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(lost.message().find("read"), std::string::npos);
  EXPECT_TRUE(IsConnectionLost(pqxx::broken_connection("x")));
  EXPECT_TRUE(IsConnectionLost(pqxx::sql_error("x", "q", "57P01")));
  EXPECT_FALSE(IsConnectionLost(pqxx::sql_error("x", "q", "23505")));
  EXPECT_EQ(StatusFromDbException(pqxx::in_doubt_error("?"), "commit").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromDbException(pqxx::too_many_connections("full"), "open").code(),
            absl::StatusCode::kResourceExhausted);
}

// libpqxx 6.4 throws this class without the SQLSTATE it was raised for.
TEST(DbErrorTest, InsufficientPrivilegeWithoutItsStateIsPermissionDenied) {
  const absl::Status status = StatusFromDbException(
      pqxx::insufficient_privilege("permission denied for schema public", "CREATE TABLE t ()"),
      "write on quest-write");
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  EXPECT_NE(status.message().find("[SQLSTATE 42501]"), absl::string_view::npos) << status;
}

// A caller tells its own raised SQLSTATE apart by SqlStateOf, not by the
// message; only statuses made from a server error carry one.
TEST(DbErrorTest, AStatusFromAServerErrorCarriesItsSqlState) {
  EXPECT_EQ(SqlStateOf(StatusFromDbException(pqxx::sql_error("taken", "q", "QI001"), "write")),
            "QI001");
  EXPECT_EQ(SqlStateOf(StatusFromSqlState("23505", "duplicate", "read")), "23505");
  EXPECT_EQ(SqlStateOf(StatusFromDbException(pqxx::broken_connection("gone"), "write")), "");
  EXPECT_EQ(SqlStateOf(StatusFromSqlState("", "socket closed", "read")), "");
  EXPECT_EQ(SqlStateOf(absl::InternalError("QI001")), "");
}

TEST(DbErrorTest, AnythingElseIsInternal) {
  EXPECT_EQ(StatusFromDbException(std::runtime_error("?"), "x").code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(StatusFromDbException(pqxx::conversion_error("bad int"), "x").code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace qs::db
