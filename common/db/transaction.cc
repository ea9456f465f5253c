#include "common/db/transaction.h"

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/call_context.h"
#include "common/db/lsn.h"
#include "common/db/statement_text.h"
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

pqxx::result TransactionBase::SendWithWaitingSql(const std::string& sql) {
  std::string text = begun_ ? std::string() : std::string("BEGIN;\n");
  // The PREPAREs first: nothing before them can fail and skip them.
  text += prepares_;
  text += deferred_;
  text += sql;
  // Marked as begun before sending: if this fails, the transaction may be
  // open (and aborted), and the destructor must roll it back.
  begun_ = true;
  deferred_.clear();
  if (prepares_.empty()) return Noting([&] { return tx_->exec(text); });
  prepares_.clear();
  try {
    pqxx::result answer = Noting([&] { return tx_->exec(text); });
    statements_->Sent(/*succeeded=*/true);
    return answer;
  } catch (const pqxx::sql_error& e) {
    statements_->Sent(/*succeeded=*/false, e.sqlstate());
    throw;
  } catch (...) {
    statements_->Sent(/*succeeded=*/false);
    throw;
  }
}

std::string TransactionBase::RenderLiterals(const std::string& sql,
                                            const std::vector<std::string>& values) {
  try {
    if (statements_ != nullptr) return statements_->Render(sql, values, &prepares_);
    return BindLiterals(sql, values);
  } catch (const std::invalid_argument& e) {
    // Surfaces as INTERNAL (db_error.h): a statement written wrong.
    throw pqxx::usage_error(e.what());
  }
}

WriteTx::WriteTx(pqxx::connection& connection, SessionStatements* statements, WriteOutcome* outcome)
    : TransactionBase(std::make_unique<pqxx::nontransaction>(connection), /*begin_lazily=*/true,
                      statements),
      outcome_(outcome) {
  outcome_->ended_cleanly = false;
}

WriteTx::~WriteTx() {
  // PREPAREs queued with statements that will never be sent.
  if (!prepares_.empty()) statements_->Unsent();
  if (!commit_tried_) {
    if (!begun_) {
      outcome_->ended_cleanly = true;  // Nothing was sent: no transaction to end.
    } else {
      try {
        ++round_trips_;
        RollBack();
        outcome_->ended_cleanly = true;
      } catch (const std::exception& e) {
        // The connection is gone or the session is beyond saving: the server
        // rolls back either way, and ended_cleanly stays false so that
        // Database::Write does not pool it.
        spdlog::debug("rollback failed: {}", e.what());
      }
    }
  }
  outcome_->round_trips = round_trips_;
}

void WriteTx::RollBack() {
  const std::string uncertain = statements_->UncertainNames();
  if (uncertain.empty()) {
    tx_->exec("ROLLBACK");
    return;
  }
  // A round trip that carried PREPAREs failed: which of them ran is asked
  // in the same round trip as the ROLLBACK.
  pqxx::result existing = tx_->exec(
      absl::StrCat("ROLLBACK;\nSELECT name FROM pg_prepared_statements WHERE name = ANY (",
                   uncertain, "::text[])"));
  std::vector<std::string> names;
  for (const pqxx::row& row : existing) names.push_back(row[0].as<std::string>());
  statements_->Resolve(names);
}

void WriteTx::RunAfterCommitHooks() {
  for (const std::function<void()>& hook : after_commit_) hook();
  after_commit_.clear();
}

bool WriteTx::StillInsideAbortedTransaction() {
  try {
    ++round_trips_;
    tx_->exec("SELECT 1");
    return false;
  } catch (const pqxx::broken_connection& e) {
    throw pqxx::in_doubt_error(std::string("after COMMIT: ") + e.what());
  } catch (const pqxx::sql_error& e) {
    return e.sqlstate() == "25P02";  // in_failed_sql_transaction
  }
}

void WriteTx::Commit() {
  if (statement_failed_) {
    // Not commit_tried_: the destructor rolls the aborted transaction back.
    throw pqxx::usage_error(
        "commit of a transaction in which a statement failed (the body caught the error and "
        "returned OK; PostgreSQL has aborted the transaction)");
  }
  if (!begun_ && deferred_.empty()) {
    // Nothing was ever sent: nothing to commit, no round trip.
    commit_tried_ = true;
    outcome_->ended_cleanly = true;
    return;
  }
  commit_tried_ = true;
  const bool carries_deferred = !deferred_.empty();
  const bool in_call = base::CurrentCall() != nullptr;
  pqxx::result answer;
  try {
    // PQexec runs the statements of one simple query in order and returns
    // the last result; a failing statement stops it with that error, and
    // the statements after it (the COMMIT among them) never run.
    answer = SendWithWaitingSql(in_call ? kCommitThenPositionSql : "COMMIT");
  } catch (const pqxx::broken_connection& e) {
    // As pqxx::work: the COMMIT may or may not have been applied.
    throw pqxx::in_doubt_error(e.what());
  } catch (const pqxx::sql_error& e) {
    if (carries_deferred && StillInsideAbortedTransaction()) {
      // A deferred statement failed before the COMMIT: nothing committed;
      // the destructor rolls back.
      commit_tried_ = false;
      throw;
    }
    if (!in_call || CommitItselfRaises(e.sqlstate())) {
      outcome_->ended_cleanly = true;  // Refused: the transaction has ended.
      throw;
    }
    throw pqxx::in_doubt_error(std::string("after COMMIT: ") + e.what());
  }
  // A COMMIT of an aborted transaction answers ROLLBACK, not an error;
  // statement_failed_ (above) is what rules that out: SQL reaches this
  // transaction only through the query surface, which notes every failure.
  // (libpqxx 6.4 keeps result::cmd_status() private, so the answer's
  // command tag cannot be checked as well.)
  outcome_->ended_cleanly = true;
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
