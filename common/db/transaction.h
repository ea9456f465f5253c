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

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "pqxx/connection"
#include "pqxx/nontransaction"
#include "pqxx/result"
#include "pqxx/transaction"

namespace qs::db {

class Database;

// Shared query surface of both kinds.
class TransactionBase {
 public:
  // Runs `sql` with $1..$n bound to `args` (never concatenate input).
  template <typename... Args>
  pqxx::result Query(const std::string& sql, Args&&... args) {
    return Noting([&] { return tx_->exec_params(sql, std::forward<Args>(args)...); });
  }

  // Runs a statement prepared on every connection of the pool: the
  // `prepared` list of the Database constructor, which a service fills from
  // ServiceDefinition::prepared_statements (common/service/service_main.h).
  template <typename... Args>
  pqxx::result QueryPrepared(const std::string& name, Args&&... args) {
    return Noting([&] { return tx_->exec_prepared(name, std::forward<Args>(args)...); });
  }

  // Quotes a value for the rare statement that cannot take parameters.
  template <typename T>
  std::string Quote(const T& value) {
    return tx_->quote(value);
  }

 protected:
  explicit TransactionBase(std::unique_ptr<pqxx::transaction_base> tx) : tx_(std::move(tx)) {}

  // Runs `statement`, remembering whether it threw: after a failed
  // statement PostgreSQL has aborted the transaction, so a WriteTx whose
  // body caught the error and returned OK must not report a commit.
  template <typename Statement>
  pqxx::result Noting(Statement&& statement) {
    try {
      return statement();
    } catch (...) {
      statement_failed_ = true;
      throw;
    }
  }

  std::unique_ptr<pqxx::transaction_base> tx_;
  bool statement_failed_ = false;
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
                            : std::make_unique<pqxx::nontransaction>(connection)) {}
};

// A READ COMMITTED transaction on the write node. BEGIN and COMMIT are sent
// by hand on a pqxx::nontransaction (not a pqxx::work) so that the commit
// can carry a second statement in its round trip: during a call, Commit()
// sends `COMMIT; SELECT <position>` as one simple query and keeps the
// position as commit_lsn(), which the call returns as `x-db-lsn`
// (read_freshness.h). The position is the WAL flush LSN when the session's
// synchronous_commit flushes locally (on, the default, and local,
// remote_write, remote_apply): such a COMMIT returns only once WAL up to the
// end of its commit record is flushed, so the flush LSN is at or past it,
// and it is WAL the replica can already receive (the insert LSN may run
// ahead into records other sessions have not flushed, making readers wait
// for nothing). With synchronous_commit=off the commit record may not be
// flushed yet, so those sessions report the insert LSN, which is past it.
// Asking in the same round trip costs the server a trivial SELECT instead
// of the caller a round trip (measured in tests/common/db/freshness_bench.cc).
class WriteTx : public TransactionBase {
 private:
  friend class Database;
  // `ended_cleanly` (outliving this) is set once the session is known to be
  // outside any transaction again: committed, refused by COMMIT, or rolled
  // back. Left false otherwise (BEGIN or ROLLBACK failed, a commit in
  // doubt): Database::Write then drops the connection instead of pooling a
  // session that may still be inside this transaction.
  WriteTx(pqxx::connection& connection, bool* ended_cleanly);
  // Throws what pqxx::work::commit() would: pqxx::in_doubt_error when the
  // outcome is unknown (the connection is lost while the COMMIT is out, or
  // the position query after a successful COMMIT fails), the SQL error of a
  // commit PostgreSQL refused (a deferred constraint, a serialization
  // failure). Refuses without committing (pqxx::usage_error, INTERNAL) when
  // a statement of this transaction threw: PostgreSQL has aborted it and
  // would answer COMMIT with ROLLBACK; the destructor then rolls back.
  void Commit();

 public:
  // Rolls back unless Commit() was tried (a failed COMMIT has ended the
  // transaction already). Never throws.
  ~WriteTx();
  WriteTx(const WriteTx&) = delete;
  WriteTx& operator=(const WriteTx&) = delete;

  // Runs a whole SQL script (several statements, no parameters) with the
  // simple query protocol: for DDL such as migrations, never for input.
  pqxx::result ExecuteScript(const std::string& sql) {
    return Noting([&] { return tx_->exec(sql); });
  }

  // The WAL position (see above) right after a successful Commit() during a call
  // (base::CurrentCall()), else 0: outside calls (background workers) nobody
  // reads it, so it is not asked for.
  uint64_t commit_lsn() const { return commit_lsn_; }

 private:
  bool* const ended_cleanly_;
  bool commit_tried_ = false;
  uint64_t commit_lsn_ = 0;
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_TRANSACTION_H_
