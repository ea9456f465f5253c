#include "tests/support/replayed_table_lock.h"

#include <exception>

#include "tests/support/eventually.h"
#include "tests/support/test_infra.h"

namespace qs::testing {

ReplayedTableLock::ReplayedTableLock(const std::string& primary, const std::string& table,
                                     absl::Duration timeout)
    : primary_(primary),
      timeout_(timeout),
      replica_(TestInfra::Get().AdminConnectionString(TestInfra::Get().replica_port, "postgres")),
      locker_(primary),
      lock_(std::make_unique<pqxx::work>(locker_)) {
  lock_->exec("LOCK TABLE " + lock_->quote_name(table) + " IN ACCESS EXCLUSIVE MODE");
  // By oid: the replica's pg_locks names no relation, and the same table
  // name exists in every service's (and scratch) database.
  const pqxx::row ids = lock_->exec_params1(
      "SELECT $1::regclass::oid::bigint, "
      "(SELECT oid::bigint FROM pg_database WHERE datname = current_database())",
      table);
  relation_ = ids[0].as<int64_t>();
  database_ = ids[1].as<int64_t>();
  FlushWal();
  replayed_ = Eventually([&] { return LocksOnReplica() > 0; }, timeout_);
}

ReplayedTableLock::~ReplayedTableLock() {
  try {
    Release();
  } catch (const std::exception&) {
    // A server the test stopped: the lock went with its session.
  }
}

bool ReplayedTableLock::Release() {
  if (lock_ == nullptr) return true;
  lock_->abort();
  lock_.reset();
  FlushWal();
  return Eventually([&] { return LocksOnReplica() == 0; }, timeout_);
}

void ReplayedTableLock::FlushWal() {
  pqxx::connection flusher(primary_);
  pqxx::work commit(flusher);
  commit.exec("SELECT txid_current()");
  commit.commit();
}

int ReplayedTableLock::LocksOnReplica() {
  return pqxx::nontransaction(replica_)
      .exec_params1(
          "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' "
          "AND mode = 'AccessExclusiveLock' AND relation = $1 AND database = $2",
          relation_, database_)[0]
      .as<int>();
}

}  // namespace qs::testing
