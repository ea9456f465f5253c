// Pauses WAL replay on the shared test replica for a scope, so a write lands
// on the primary only: how tests make "the replica has not caught up yet"
// happen on purpose. A test using it must be tagged exclusive, or every other
// test reading the replica would stall with it.
#ifndef QS_TESTS_SUPPORT_REPLICA_REPLAY_H_
#define QS_TESTS_SUPPORT_REPLICA_REPLAY_H_

#include <string>

#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::testing {

// Resumes replay however the test ends.
class ReplicaReplayPaused {
 public:
  ReplicaReplayPaused() { OnReplica("SELECT pg_wal_replay_pause()"); }
  ~ReplicaReplayPaused() { OnReplica("SELECT pg_wal_replay_resume()"); }
  ReplicaReplayPaused(const ReplicaReplayPaused&) = delete;
  ReplicaReplayPaused& operator=(const ReplicaReplayPaused&) = delete;

 private:
  static void OnReplica(const std::string& sql) {
    const TestInfra& infra = TestInfra::Get();
    pqxx::connection replica(infra.AdminConnectionString(infra.replica_port, "postgres"));
    pqxx::nontransaction(replica).exec(sql);
  }
};

}  // namespace qs::testing

#endif  // QS_TESTS_SUPPORT_REPLICA_REPLAY_H_
