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
    return tx_->exec_params(sql, std::forward<Args>(args)...);
  }

  // Runs a statement prepared on every connection of the pool: the
  // `prepared` list of the Database constructor, which a service fills from
  // ServiceDefinition::prepared_statements (common/service/service_main.h).
  template <typename... Args>
  pqxx::result QueryPrepared(const std::string& name, Args&&... args) {
    return tx_->exec_prepared(name, std::forward<Args>(args)...);
  }

  // Quotes a value for the rare statement that cannot take parameters.
  template <typename T>
  std::string Quote(const T& value) {
    return tx_->quote(value);
  }

 protected:
  explicit TransactionBase(std::unique_ptr<pqxx::transaction_base> tx) : tx_(std::move(tx)) {}

  std::unique_ptr<pqxx::transaction_base> tx_;
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

class WriteTx : public TransactionBase {
 private:
  friend class Database;
  explicit WriteTx(pqxx::connection& connection)
      : TransactionBase(std::make_unique<pqxx::work>(connection)) {}
  void Commit() { tx_->commit(); }

 public:
  // Runs a whole SQL script (several statements, no parameters) with the
  // simple query protocol: for DDL such as migrations, never for input.
  pqxx::result ExecuteScript(const std::string& sql) { return tx_->exec(sql); }
};

}  // namespace qs::db

#endif  // QS_COMMON_DB_TRANSACTION_H_
