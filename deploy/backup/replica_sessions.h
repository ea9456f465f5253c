// After a restore's switch: the sessions that a streaming replica still has
// on the previous database. The primary cannot end them, and a service's
// read pool on the replica would keep serving pre-restore data from them.
//
//   absl::StatusOr<int> ended = EndReplicaSessions(config.postgres, switched);
//
// Waits (bounded) until the replica at settings.read_host:read_port has
// replayed the switch (pg_last_wal_replay_lsn() >= switched.switch_lsn), so
// a session reconnecting to the name reaches the restored database, then
// pg_terminate_backend()s the replica's sessions on switched.previous_oid
// (allowed on a hot standby). Connects as the primary's user.
#ifndef QS_DEPLOY_BACKUP_REPLICA_SESSIONS_H_
#define QS_DEPLOY_BACKUP_REPLICA_SESSIONS_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "deploy/backup/backup_config.h"
#include "deploy/backup/database_switch.h"

namespace qs::backup {

// How many sessions were ended. DEADLINE_EXCEEDED when the replica did not
// replay the switch within `wait`; FAILED_PRECONDITION without a read host.
absl::StatusOr<int> EndReplicaSessions(const PostgresSettings& settings,
                                       const SwitchedDatabase& switched,
                                       absl::Duration wait = absl::Seconds(60));

}  // namespace qs::backup

#endif  // QS_DEPLOY_BACKUP_REPLICA_SESSIONS_H_
