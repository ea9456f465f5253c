// A table locked ACCESS EXCLUSIVE on the primary, with the lock replayed on
// the streaming replica (hot standby replays it, as it does for migrations
// and VACUUM truncation): from then on every read of the table there waits
// until the lock ends. How a test makes "a statement that does not come
// back" happen on purpose, on the real servers.
//
//   {
//     ReplayedTableLock lock(infra.AdminConnectionString(infra.primary_port, "social_db"),
//                            "friendships");
//     ASSERT_TRUE(lock.replayed()) << "the replica never replayed the lock";
//     ... reads of friendships on the replica are stuck ...
//   }  // released
//
// A test using it must be tagged exclusive: the lock holds up every other
// test reading that table on the shared replica.
#ifndef QS_TESTS_SUPPORT_REPLAYED_TABLE_LOCK_H_
#define QS_TESTS_SUPPORT_REPLAYED_TABLE_LOCK_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "pqxx/pqxx"

namespace qs::testing {

class ReplayedTableLock {
 public:
  // Takes the lock in a transaction on `primary` (a connection string to the
  // table's database on the primary, as any role that may lock it; its
  // application_name names the locker in pg_stat_activity) and returns once
  // the replica holds it too, or `timeout` passed: see replayed().
  ReplayedTableLock(const std::string& primary, const std::string& table,
                    absl::Duration timeout = absl::Seconds(10));
  // Release().
  ~ReplayedTableLock();
  ReplayedTableLock(const ReplayedTableLock&) = delete;
  ReplayedTableLock& operator=(const ReplayedTableLock&) = delete;

  // Whether the replica had replayed the lock when the constructor returned.
  bool replayed() const { return replayed_; }

  // Ends the lock on the primary; true once the replica has dropped it too
  // (within the constructor's timeout). A second call does nothing.
  bool Release();

 private:
  // The lock's WAL record is sent to the replica only once flushed: a commit
  // elsewhere (with a transaction id, so that it writes a commit record)
  // flushes it.
  void FlushWal();
  // The replica's replayed locks of the table. On a connection opened up
  // front, so that it still answers while the replica takes no new
  // connection.
  int LocksOnReplica();

  std::string primary_;
  absl::Duration timeout_;
  pqxx::connection replica_;
  pqxx::connection locker_;
  std::unique_ptr<pqxx::work> lock_;
  int64_t relation_ = 0;
  int64_t database_ = 0;
  bool replayed_ = false;
};

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_REPLAYED_TABLE_LOCK_H_
