#include "common/db/transaction.h"

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "common/base/call_context.h"
#include "common/db/lsn.h"
#include "pqxx/except"
#include "spdlog/spdlog.h"

namespace qs::db {
namespace {

// The position a call returns as x-db-lsn (see transaction.h for why the
// flush LSN, and why not with synchronous_commit=off). The CASE reads the
// setting in the same statement: no extra round trip.
constexpr char kCommitThenPositionSql[] =
    "COMMIT; SELECT CASE WHEN current_setting('synchronous_commit') = 'off'"
    " THEN pg_current_wal_insert_lsn() ELSE pg_current_wal_flush_lsn() END";

// SQLSTATEs a COMMIT itself raises: a deferred constraint (class 23), a
// serialization failure or deadlock detected at commit (40001, 40P01). The
// combined query's answer does not say which statement failed (libpqxx 6.4
// exposes only PQexec's last result), so any other error is taken to come
// from the position SELECT after a COMMIT that succeeded — e.g. a cancel
// from Database::CancelRunningQueries at drain landing during COMMIT's
// fsync and firing on the SELECT (57014): the write is then in doubt, not
// failed. A deferred constraint trigger raising its own SQLSTATE is also
// reported in doubt, which is the safe side.
bool CommitItselfRaises(const std::string& sqlstate) {
  return absl::StartsWith(sqlstate, "23") || sqlstate == "40001" || sqlstate == "40P01";
}

}  // namespace

WriteTx::WriteTx(pqxx::connection& connection, bool* ended_cleanly)
    : TransactionBase(std::make_unique<pqxx::nontransaction>(connection)),
      ended_cleanly_(ended_cleanly) {
  *ended_cleanly_ = false;
  tx_->exec("BEGIN");
}

WriteTx::~WriteTx() {
  if (commit_tried_) return;
  try {
    tx_->exec("ROLLBACK");
    *ended_cleanly_ = true;
  } catch (const std::exception& e) {
    // The connection is gone or the session is beyond saving: the server
    // rolls back either way, and ended_cleanly_ stays false so that
    // Database::Write does not pool it.
    spdlog::debug("rollback failed: {}", e.what());
  }
}

void WriteTx::Commit() {
  if (statement_failed_) {
    // Not commit_tried_: the destructor rolls the aborted transaction back.
    throw pqxx::usage_error(
        "commit of a transaction in which a statement failed (the body caught the error and "
        "returned OK; PostgreSQL has aborted the transaction)");
  }
  commit_tried_ = true;
  const bool in_call = base::CurrentCall() != nullptr;
  pqxx::result answer;
  try {
    // PQexec runs both statements of one simple query in order and returns
    // the last result; a failing COMMIT stops it with that error.
    answer = tx_->exec(in_call ? kCommitThenPositionSql : "COMMIT");
  } catch (const pqxx::broken_connection& e) {
    // As pqxx::work: the COMMIT may or may not have been applied.
    throw pqxx::in_doubt_error(e.what());
  } catch (const pqxx::sql_error& e) {
    if (!in_call || CommitItselfRaises(e.sqlstate())) {
      *ended_cleanly_ = true;  // Refused: the transaction has ended.
      throw;
    }
    throw pqxx::in_doubt_error(std::string("after COMMIT: ") + e.what());
  }
  // A COMMIT of an aborted transaction answers ROLLBACK, not an error;
  // statement_failed_ (above) is what rules that out: SQL reaches this
  // transaction only through the query surface, which notes every failure.
  // (libpqxx 6.4 keeps result::cmd_status() private, so the answer's
  // command tag cannot be checked as well.)
  *ended_cleanly_ = true;
  if (!in_call) return;
  if (answer.size() != 1 || answer[0][0].is_null()) {
    spdlog::debug("commit LSN: no position in the commit's answer");
    return;
  }
  absl::StatusOr<uint64_t> lsn = ParseLsn(answer[0][0].c_str());
  if (!lsn.ok()) {
    spdlog::debug("commit LSN: {}", std::string(lsn.status().message()));
    return;
  }
  commit_lsn_ = *lsn;
}

}  // namespace qs::db
