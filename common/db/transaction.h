// The two kinds of transaction a store can be handed by Database.
//
// ReadTx runs on the read node (DB_READ_HOST), read-only (see below);
// WriteTx runs on the write node (DB_HOST). Neither can be made
// by a store itself, so a store cannot send a write to the replica: the type
// it receives says where its SQL goes.
//
//   absl::StatusOr<Puzzle> PuzzleStore::Get(ReadTx& tx, const std::string& id) {
//     pqxx::result rows = tx.Query("SELECT title FROM puzzles WHERE id = $1", id);
//     ...
//   }
//
// Methods throw libpqxx exceptions; Database::Read/Write catch them and turn
// them into absl::Status, so stores may let them propagate.
#ifndef QS_COMMON_DB_TRANSACTION_H_
#define QS_COMMON_DB_TRANSACTION_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/db/session_statements.h"
#include "pqxx/binarystring"
#include "pqxx/connection"
#include "pqxx/except"
#include "pqxx/nontransaction"
#include "pqxx/result"
#include "pqxx/transaction"

namespace qs::db {

class Database;

// Shared query surface of both kinds.
//
// Round trips: a statement is normally one round trip (extended protocol,
// values bound as parameters). A WriteTx also has SQL waiting to travel
// with its next statement: its BEGIN, sent lazily, and the statements it
// was asked to Defer. The next statement then goes as one simple query
// "BEGIN; <deferred>; <statement>" with the values rendered as quoted
// literals (statement_text.h), and its answer is that statement's (the
// others return nothing the caller wants). So a transaction of N reads and
// any number of deferred writes costs N round trips plus its COMMIT's.
// A WriteTx sends every statement it can as EXECUTE of a statement
// prepared on its session (session_statements.h): the PREPARE travels at
// the head of the statement's first round trip on that session, and from
// then on PostgreSQL neither parses, analyses nor (once it keeps a generic
// plan) plans it again. Its answers and errors are the statement's own.
class TransactionBase {
 public:
  // Runs `sql` with $1..$n bound to `args` (never concatenate input).
  template <typename... Args>
  pqxx::result Query(const std::string& sql, Args&&... args) {
    if (HasWaitingSql() || statements_ != nullptr) return SendWithWaitingSql(Render(sql, args...));
    return Noting([&] { return tx_->exec_params(sql, std::forward<Args>(args)...); });
  }

  // Runs a statement prepared on every connection of the pool: the
  // `prepared` list of the Database constructor, which a service fills from
  // ServiceDefinition::prepared_statements (common/service/service_main.h).
  // SQL waiting to be sent (see above) goes first, in a round trip of its
  // own: libpqxx prepares a statement on its first use, so it cannot be
  // named in a simple query. Write transactions that defer should prefer
  // Query.
  template <typename... Args>
  pqxx::result QueryPrepared(const std::string& name, Args&&... args) {
    if (HasWaitingSql()) SendWithWaitingSql("");
    return Noting([&] { return tx_->exec_prepared(name, std::forward<Args>(args)...); });
  }

  // Quotes a value for the rare statement that cannot take parameters.
  template <typename T>
  std::string Quote(const T& value) {
    return tx_->quote(value);
  }

  // Round trips to the server so far (statements sent, BEGIN/COMMIT
  // included when they travelled alone).
  int round_trips() const { return round_trips_; }

  // The SQLSTATE of the first statement of this transaction that failed
  // with a server error (the cause: every statement after it fails with
  // 25P02), or empty. For a caller whose statement travelled in a round
  // trip whose error someone else may have caught.
  const std::string& failed_sqlstate() const { return failed_sqlstate_; }

 protected:
  // `begin_lazily`: BEGIN waits to travel with the first statement (WriteTx).
  // `statements`: the session's prepared statements (WriteTx), or nullptr
  // to send every statement's text.
  TransactionBase(std::unique_ptr<pqxx::transaction_base> tx, bool begin_lazily,
                  SessionStatements* statements = nullptr)
      : tx_(std::move(tx)), statements_(statements), begun_(!begin_lazily) {}

  // Runs `statement`, remembering whether it threw: after a failed
  // statement PostgreSQL has aborted the transaction, so a WriteTx whose
  // body caught the error and returned OK must not report a commit.
  template <typename Statement>
  pqxx::result Noting(Statement&& statement) {
    ++round_trips_;
    try {
      return statement();
    } catch (const pqxx::sql_error& e) {
      statement_failed_ = true;
      if (failed_sqlstate_.empty()) failed_sqlstate_ = e.sqlstate();
      throw;
    } catch (...) {
      statement_failed_ = true;
      throw;
    }
  }

  bool HasWaitingSql() const { return !begun_ || !deferred_.empty(); }
  // Sends the waiting SQL followed by `sql` (rendered: Render) as one
  // simple query; returns the last statement's answer.
  pqxx::result SendWithWaitingSql(const std::string& sql);

  // `sql` with `args` as the text to send: an EXECUTE of the session's
  // prepared statement (its PREPARE queued for the next round trip), or
  // the statement with the values inlined.
  template <typename... Args>
  std::string Render(const std::string& sql, const Args&... args) {
    return RenderLiterals(sql, {Literal(args)...});
  }
  std::string RenderLiterals(const std::string& sql, const std::vector<std::string>& values);
  template <typename T>
  std::string Literal(const T& value) {
    return tx_->quote(value);
  }
  std::string Literal(const pqxx::binarystring& value) {
    return tx_->quote_raw(value.data(), value.size());
  }
  std::string Literal(std::nullptr_t) { return "NULL"; }
  template <typename T>
  std::string Literal(const std::optional<T>& value) {
    return value ? Literal(*value) : std::string("NULL");
  }

  std::unique_ptr<pqxx::transaction_base> tx_;
  SessionStatements* const statements_;
  bool statement_failed_ = false;
  std::string failed_sqlstate_;
  bool begun_;
  std::string prepares_;  // PREPAREs for the next round trip, each ending in ";\n".
  std::string deferred_;  // Rendered statements, each ending in ";\n".
  int round_trips_ = 0;
};

// On the read pool (Database::Read) each statement runs on its own, in one
// round trip, on a session that is read-only (default_transaction_read_only):
// no BEGIN/ROLLBACK around it. On the primary (Database::ReadFromPrimary) a
// ReadTx is a READ ONLY transaction. Both are READ COMMITTED: each statement
// sees what was committed when it started, so statements of one ReadTx may
// see a write land between them (acceptable for these reads).
class ReadTx : public TransactionBase {
 private:
  friend class Database;
  enum class Kind { kStatements, kReadOnlyTransaction };
  ReadTx(pqxx::connection& connection, Kind kind)
      : TransactionBase(kind == Kind::kReadOnlyTransaction
                            ? std::unique_ptr<pqxx::transaction_base>(
                                  std::make_unique<pqxx::read_transaction>(connection))
                            : std::make_unique<pqxx::nontransaction>(connection),
                        /*begin_lazily=*/false) {}
};

// What a WriteTx leaves behind for Database::Write, which reads it after the
// WriteTx is gone (its destructor may roll back).
struct WriteOutcome {
  // Set once the session is known to be outside any transaction again:
  // committed, refused by COMMIT, rolled back, or never begun. Left false
  // otherwise (ROLLBACK failed, a commit in doubt): Database::Write then
  // drops the connection instead of pooling a session that may still be
  // inside this transaction.
  bool ended_cleanly = false;
  int round_trips = 0;  // Every round trip of the transaction, ROLLBACK included.
};

// A READ COMMITTED transaction on the write node. BEGIN and COMMIT are sent
// by hand on a pqxx::nontransaction (not a pqxx::work), for two reasons:
// - Round trips (see TransactionBase): BEGIN travels with the first
//   statement, deferred statements with the next statement or the COMMIT.
//   A transaction that sent nothing sends nothing at all.
// - The commit can carry a second statement in its round trip: during a
//   call, Commit() sends `COMMIT; SELECT <position>` as one simple query
//   and keeps the position as commit_lsn(), which the call returns as
//   `x-db-lsn` (read_freshness.h). The position is the WAL flush LSN when
//   the session's synchronous_commit flushes locally (on, the default, and
//   local, remote_write, remote_apply): such a COMMIT returns only once WAL
//   up to the end of its commit record is flushed, so the flush LSN is at
//   or past it, and it is WAL the replica can already receive (the insert
//   LSN may run ahead into records other sessions have not flushed, making
//   readers wait for nothing). With synchronous_commit=off the commit
//   record may not be flushed yet, so those sessions report the insert LSN,
//   which is past it. Asking in the same round trip costs the server a
//   trivial SELECT instead of the caller a round trip (measured in
//   tests/common/db/freshness_bench.cc).
class WriteTx : public TransactionBase {
 private:
  friend class Database;
  // `statements` (the session's: PooledConnection::statements()) and
  // `outcome` must outlive this.
  WriteTx(pqxx::connection& connection, SessionStatements* statements, WriteOutcome* outcome);
  // Throws what pqxx::work::commit() would: pqxx::in_doubt_error when the
  // outcome is unknown (the connection is lost while the COMMIT is out, or
  // the position query after a successful COMMIT fails), the SQL error of a
  // commit PostgreSQL refused (a deferred constraint, a serialization
  // failure), or the error of a deferred statement that failed on its way
  // with the COMMIT (then nothing was committed, and the destructor rolls
  // back). Refuses without committing (pqxx::usage_error, INTERNAL) when
  // a statement of this transaction threw: PostgreSQL has aborted it and
  // would answer COMMIT with ROLLBACK; the destructor then rolls back.
  void Commit();

 public:
  // Rolls back unless Commit() was tried (a failed COMMIT has ended the
  // transaction already). Never throws.
  ~WriteTx();
  WriteTx(const WriteTx&) = delete;
  WriteTx& operator=(const WriteTx&) = delete;

  // Queues `sql` with $1..$n bound to `args` (rendered as literals now), to
  // be sent in the round trip of the next Query or of the COMMIT: for
  // writes whose answer the caller does not need. An error in it surfaces
  // from that Query (as its own error) or from the commit, and the
  // transaction rolls back; statements deferred after a Query that failed
  // are never sent.
  template <typename... Args>
  void Defer(const std::string& sql, const Args&... args) {
    deferred_ += Render(sql, args...);
    deferred_ += ";\n";
  }

  // Sends what waits (BEGIN, deferred statements) now, in a round trip of
  // its own; nothing when nothing waits. Throws what Query throws.
  void SendWaiting() {
    if (HasWaitingSql()) SendWithWaitingSql("");
  }

  // Runs a whole SQL script (several statements, no parameters) with the
  // simple query protocol: for DDL such as migrations, never for input.
  pqxx::result ExecuteScript(const std::string& sql) { return SendWithWaitingSql(sql); }

  // Runs `hook` once this transaction has committed (not after a rollback
  // or a commit in doubt), on the committing thread, before Database::Write
  // returns. It must be quick and must not throw: e.g. waking a worker of
  // this process that the commit gave something to do.
  void AfterCommit(std::function<void()> hook) { after_commit_.push_back(std::move(hook)); }

  // The WAL position (see above) right after a successful Commit() during a call
  // (base::CurrentCall()), else 0: outside calls (background workers) nobody
  // reads it, so it is not asked for; 0 too when the transaction sent nothing.
  uint64_t commit_lsn() const { return commit_lsn_; }

 private:
  // After a failed simple query that carried deferred statements and the
  // COMMIT: whether the session is still inside the (aborted) transaction,
  // i.e. a deferred statement failed and the COMMIT never ran.
  bool StillInsideAbortedTransaction();

  // Sends ROLLBACK, learning in its round trip which uncertain PREPAREs
  // (session_statements.h) the session has. Throws what exec throws.
  void RollBack();

  // Runs the AfterCommit hooks (Database::Write, after a Commit() that
  // returned).
  void RunAfterCommitHooks();

  WriteOutcome* const outcome_;
  std::vector<std::function<void()>> after_commit_;
  bool commit_tried_ = false;
  uint64_t commit_lsn_ = 0;
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_TRANSACTION_H_
