#include "deploy/backup/replica_sessions.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/status_macros.h"
#include "deploy/backup/database_admin.h"
#include "deploy/backup/postgres_connection.h"

namespace qs::backup {

absl::StatusOr<int> EndReplicaSessions(const PostgresSettings& settings,
                                       const SwitchedDatabase& switched, absl::Duration wait) {
  if (settings.read_host.empty()) {
    return absl::FailedPreconditionError("no replica configured (BACKUP_PG_READ_HOST)");
  }
  if (switched.previous_oid.empty()) return 0;  // nothing was live: nothing to end
  PostgresSettings replica = settings;
  replica.host = settings.read_host;
  replica.port = settings.read_port;
  const std::string where = absl::StrCat("replica ", replica.host, ":", replica.port);
  int ended = 0;
  QS_RETURN_IF_ERROR(WithConnection(
      replica, kMaintenanceDatabase, where, [&](pqxx::connection& connection) -> absl::Status {
        pqxx::nontransaction tx(connection);
        const absl::Time deadline = absl::Now() + wait;
        while (!switched.switch_lsn.empty()) {
          pqxx::row replayed = tx.exec_params1(
              "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false), "
              "coalesce(pg_last_wal_replay_lsn()::text, '(not a standby)')",
              switched.switch_lsn);
          if (replayed[0].as<bool>()) break;
          if (absl::Now() >= deadline) {
            return absl::DeadlineExceededError(
                absl::StrCat(where, ": has replayed up to ", replayed[1].as<std::string>(),
                             ", not the switch at ", switched.switch_lsn, " after ",
                             absl::FormatDuration(wait)));
          }
          absl::SleepFor(absl::Milliseconds(50));
        }
        ended = tx.exec_params1(
                      "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM "
                      "pg_stat_activity WHERE datid = $1::oid AND pid <> pg_backend_pid()",
                      switched.previous_oid)[0]
                    .as<int>();
        return absl::OkStatus();
      }));
  return ended;
}

}  // namespace qs::backup
