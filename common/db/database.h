// The read/write router of one service: a write pool on DB_HOST and a read
// pool on DB_READ_HOST (the same host in development).
//
//   Database db(config, "quest");
//   absl::StatusOr<int64_t> count = db.Read([&](ReadTx& tx) -> absl::StatusOr<int64_t> {
//     return tx.Query("SELECT count(*) FROM puzzles")[0][0].as<int64_t>();
//   });
//   absl::Status saved = db.Write([&](WriteTx& tx) -> absl::Status {
//     tx.Query("INSERT INTO puzzles (title) VALUES ($1)", title);
//     return absl::OkStatus();
//   });
//
// `Write` commits when the callback returns OK and rolls back otherwise.
// Every libpqxx exception thrown inside a callback becomes an absl::Status
// here (see db_error.h); nothing escapes as an exception. Reads that fail
// because the connection was lost are retried once on a fresh connection;
// writes are not retried (the caller decides, e.g. with an idempotency key).
// So a `Read` callback may run twice: it must have no effect outside its
// return value (no appending to a captured vector, no counters, no events).
// Thread-safe.
#ifndef QS_COMMON_DB_DATABASE_H_
#define QS_COMMON_DB_DATABASE_H_

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/config/db_config.h"
#include "common/db/async_read_pool.h"
#include "common/db/connection_pool.h"
#include "common/db/db_error.h"
#include "common/db/prepared_statement.h"
#include "common/db/transaction.h"

namespace qs::db {

class Database {
 public:
  // `service` names the pools ("<service>-write", "<service>-read") in logs
  // and in pg_stat_activity.application_name. `prepared`: the statements
  // every connection knows by name; the blocking pools prepare only the
  // kPrepared ones (run a kPerCall one's text with Query).
  Database(const config::DbConfig& config, const std::string& service,
           std::vector<PreparedStatement> prepared = {});

  template <typename Fn>
  auto Read(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>()));

  // Reads on the write node: for a read that must see the caller's own
  // write (the replica may lag behind it).
  template <typename Fn>
  auto ReadFromPrimary(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>()));

  // Reads on the replica; when the replica's answer is a miss — NOT_FOUND,
  // or whatever `is_miss(result)` says — reads once more on the primary and
  // returns that. For lookups by id just after the caller's own create: the
  // replica may not have replayed it yet, and a miss must not be reported
  // before the primary confirms it. A hit costs one replica round trip.
  template <typename Fn>
  auto ReadConfirmingMiss(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>()));
  template <typename Fn, typename IsMiss>
  auto ReadConfirmingMiss(Fn&& fn, IsMiss&& is_miss) -> decltype(fn(std::declval<ReadTx&>()));

  template <typename Fn>
  auto Write(Fn&& fn) -> decltype(fn(std::declval<WriteTx&>()));

  // OK when both nodes answer a trivial query.
  absl::Status Ping();

  // Cancels the statements running on both pools (see ConnectionPool).
  void CancelRunningQueries();

  ConnectionPool& write_pool() { return *write_pool_; }
  ConnectionPool& read_pool() { return *read_pool_; }

  // The non-blocking read path (async_read_pool.h) on the read node, with
  // the same registered statements, as "<service>-read-async" in
  // pg_stat_activity: DB_ASYNC_READ_CONNECTIONS connections of its own, in
  // addition to the read pool's, opened on its first use.
  AsyncReadPool& async_reads() { return *async_reads_; }

 private:
  static const absl::Status& StatusOf(const absl::Status& s) { return s; }
  template <typename T>
  static const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
    return s.status();
  }
  static bool IsOk(const absl::Status& s) { return s.ok(); }
  template <typename T>
  static bool IsOk(const absl::StatusOr<T>& s) {
    return s.ok();
  }

  template <typename Fn>
  auto ReadOn(ConnectionPool& pool, ReadTx::Kind kind, Fn&& fn)
      -> decltype(fn(std::declval<ReadTx&>()));

  std::unique_ptr<ConnectionPool> write_pool_;
  std::unique_ptr<ConnectionPool> read_pool_;
  // Last: stopped first, while nothing else has gone.
  std::unique_ptr<AsyncReadPool> async_reads_;
};

template <typename Fn>
auto Database::ReadOn(ConnectionPool& pool, ReadTx::Kind kind, Fn&& fn)
    -> decltype(fn(std::declval<ReadTx&>())) {
  absl::Status last;
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<PooledConnection> lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    try {
      ReadTx tx(lease->connection(), kind);
      return fn(tx);
    } catch (const std::exception& e) {
      last = StatusFromDbException(e, "read on " + pool.name());
      if (!IsConnectionLost(e)) return last;
      lease->MarkBroken();
    } catch (...) {
      return absl::InternalError("read on " + pool.name() + ": unknown error");
    }
  }
  return last;
}

template <typename Fn>
auto Database::Read(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>())) {
  return ReadOn(*read_pool_, ReadTx::Kind::kStatements, std::forward<Fn>(fn));
}

template <typename Fn>
auto Database::ReadFromPrimary(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>())) {
  return ReadOn(*write_pool_, ReadTx::Kind::kReadOnlyTransaction, std::forward<Fn>(fn));
}

template <typename Fn, typename IsMiss>
auto Database::ReadConfirmingMiss(Fn&& fn, IsMiss&& is_miss)
    -> decltype(fn(std::declval<ReadTx&>())) {
  auto result = Read(fn);
  if (is_miss(result)) result = ReadFromPrimary(fn);
  return result;
}

template <typename Fn>
auto Database::ReadConfirmingMiss(Fn&& fn) -> decltype(fn(std::declval<ReadTx&>())) {
  return ReadConfirmingMiss(std::forward<Fn>(fn),
                            [](const auto& result) { return absl::IsNotFound(StatusOf(result)); });
}

template <typename Fn>
auto Database::Write(Fn&& fn) -> decltype(fn(std::declval<WriteTx&>())) {
  absl::StatusOr<PooledConnection> lease = write_pool_->Acquire();
  if (!lease.ok()) return lease.status();
  try {
    WriteTx tx(lease->connection());
    auto result = fn(tx);
    if (IsOk(result)) tx.Commit();
    return result;
  } catch (const std::exception& e) {
    if (IsConnectionLost(e)) lease->MarkBroken();
    return StatusFromDbException(e, "write on " + write_pool_->name());
  } catch (...) {
    return absl::InternalError("write on " + write_pool_->name() + ": unknown error");
  }
}

}  // namespace qs::db

#endif  // QS_COMMON_DB_DATABASE_H_
