// Which libpq failures end the session (and so may be sent again
// elsewhere), on real sessions with the replica of deploy/infra.sh.
#include "common/db/pq_result.h"

#include <postgresql/libpq-fe.h>

#include "gtest/gtest.h"
#include "tests/support/test_infra.h"

namespace qs::db {
namespace {

using qs::testing::TestInfra;

PGconn* ConnectToReplica() {
  const config::DbConfig db = TestInfra::Get().ServiceDbConfig("quest");
  return PQconnectdb(db.ConnectionString(db.read_host, db.read_port, "pq-result-test").c_str());
}

// libpq's own errors carry no SQLSTATE (pipeline aborted, out of memory
// for a large result, an unexpected message): on a live session they are
// the statement's failure, not a lost connection.
TEST(PqResultTest, AnErrorWithoutSqlstateOnALiveSessionIsNotALostConnection) {
  PGconn* conn = ConnectToReplica();
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  for (ExecStatusType status : {PGRES_FATAL_ERROR, PGRES_PIPELINE_ABORTED}) {
    PGresult* res = PQmakeEmptyPGresult(conn, status);
    EXPECT_FALSE(PqResultLostConnection(conn, res)) << PQresStatus(status);
    absl::Status mapped = StatusOfPq(conn, res, "read");
    EXPECT_EQ(mapped.code(), absl::StatusCode::kInternal) << mapped;
    PQclear(res);
  }
  PQfinish(conn);
}

TEST(PqResultTest, AnErrorWithoutSqlstateOnABrokenSessionIsALostConnection) {
  const config::DbConfig db = TestInfra::Get().ServiceDbConfig("quest");
  PGconn* conn = PQconnectdb(
      db.ConnectionString("127.0.0.1", qs::testing::FreeLoopbackPort(), "pq-result-test").c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_BAD);
  PGresult* res = PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR);
  EXPECT_TRUE(PqResultLostConnection(conn, res));
  EXPECT_EQ(StatusOfPq(conn, res, "read").code(), absl::StatusCode::kUnavailable);
  PQclear(res);
  PQfinish(conn);
}

TEST(PqResultTest, TheServersSqlstateDecides) {
  PGconn* conn = ConnectToReplica();
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* bad_input = PQexec(conn, "SELECT 'x'::int");
  EXPECT_FALSE(PqResultLostConnection(conn, bad_input));
  EXPECT_EQ(StatusOfPq(conn, bad_input, "read").code(), absl::StatusCode::kInvalidArgument);
  PQclear(bad_input);
  // 57P01: the server ends the session.
  PGresult* terminated = PQexec(conn, "SELECT pg_terminate_backend(pg_backend_pid())");
  EXPECT_TRUE(PqResultLostConnection(conn, terminated));
  EXPECT_EQ(StatusOfPq(conn, terminated, "read").code(), absl::StatusCode::kUnavailable);
  PQclear(terminated);
  PQfinish(conn);
}

}  // namespace
}  // namespace qs::db
