// A table lock held in the drill's PostgreSQL container by a psql session
// of its own, so that a service's write on that table waits until the test
// lets it go: the way to have a call provably in flight at a chosen moment
// (the SIGTERM drain case).
//
//   HeldTableLock lock(project, "social_db", "friend_requests");
//   ASSERT_TRUE(lock.WaitHeld(absl::Seconds(10)).ok());
//   ... send the write; WaitForBlockedWrites(1, ...) ...
//   lock.Release();   // the write goes on
//
// SHARE mode: INSERT/UPDATE/DELETE wait, reads and PREPAREs do not (the
// pools prepare under a 50 ms lock_timeout; an ACCESS EXCLUSIVE lock would
// fail a connection's set-up instead of holding a write).
#ifndef QS_TESTS_DEPLOY_DRILL_TABLE_LOCK_H_
#define QS_TESTS_DEPLOY_DRILL_TABLE_LOCK_H_

#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tests/deploy/drill_compose.h"

namespace qs::drill {

class HeldTableLock {
 public:
  // Starts the holding session (BEGIN; LOCK TABLE ... IN SHARE MODE;
  // pg_sleep) in a thread; the lock is not necessarily held on return.
  HeldTableLock(const ComposeProject& project, std::string database, std::string table);
  // Release().
  ~HeldTableLock();
  HeldTableLock(const HeldTableLock&) = delete;
  HeldTableLock& operator=(const HeldTableLock&) = delete;

  // OK once pg_locks shows the lock granted to the holding session;
  // DEADLINE_EXCEEDED after `timeout`.
  absl::Status WaitHeld(absl::Duration timeout) const;
  // OK once at least `count` sessions other than the holder wait for a lock
  // on the table (pg_locks, not granted); DEADLINE_EXCEEDED after `timeout`.
  absl::Status WaitForBlockedWrites(int count, absl::Duration timeout) const;
  // Cancels the holding session's sleep (pg_cancel_backend): its
  // transaction aborts and the lock is gone. Idempotent; joins the thread.
  void Release();

 private:
  // Polls until at least `minimum` rows of pg_locks (joined with
  // pg_stat_activity) on the table match SQL `condition`.
  absl::Status WaitFor(const std::string& condition, int minimum, absl::Duration timeout,
                       const std::string& what) const;

  const ComposeProject& project_;
  std::string database_;
  std::string table_;
  std::string application_name_;  // how the holding session is found
  std::thread holder_;
  bool released_ = false;
};

}  // namespace qs::drill

#endif  // QS_TESTS_DEPLOY_DRILL_TABLE_LOCK_H_
