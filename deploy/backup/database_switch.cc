#include "deploy/backup/database_switch.h"

#include <signal.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/status_macros.h"
#include "deploy/backup/database_acl.h"
#include "deploy/backup/database_admin.h"
#include "deploy/backup/manifest.h"
#include "deploy/backup/postgres_connection.h"

namespace qs::backup {
namespace {

// SIGINT, SIGTERM and SIGHUP wait while the live database refuses
// connections: the tool cannot be stopped between closing it and either
// switching or reopening it. sigprocmask keeps them pending; restoring the
// old mask delivers them then.
class TerminationSignalsBlocked {
 public:
  TerminationSignalsBlocked() {
    sigset_t blocked;
    sigemptyset(&blocked);
    for (int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&blocked, signal);
    sigprocmask(SIG_BLOCK, &blocked, &previous_);
  }
  ~TerminationSignalsBlocked() { sigprocmask(SIG_SETMASK, &previous_, nullptr); }
  TerminationSignalsBlocked(const TerminationSignalsBlocked&) = delete;
  TerminationSignalsBlocked& operator=(const TerminationSignalsBlocked&) = delete;

 private:
  sigset_t previous_;
};

std::string AllowConnectionsSql(const std::string& database, bool allow) {
  return absl::StrCat("ALTER DATABASE ", QuoteIdentifier(database), " WITH ALLOW_CONNECTIONS ",
                      allow ? "true" : "false");
}

absl::Status SetAllowConnections(const PostgresSettings& settings, const std::string& database,
                                 bool allow) {
  return WithConnection(settings, kMaintenanceDatabase,
                        absl::StrCat(database, ": ALLOW_CONNECTIONS ", allow ? "true" : "false"),
                        [&](pqxx::connection& connection) {
                          pqxx::nontransaction tx(connection);
                          tx.exec(AllowConnectionsSql(database, allow));
                          return absl::OkStatus();
                        });
}

absl::Status TerminateSessions(const PostgresSettings& settings, const std::string& database) {
  return WithConnection(settings, kMaintenanceDatabase,
                        absl::StrCat(database, ": end its sessions"),
                        [&](pqxx::connection& connection) {
                          pqxx::nontransaction tx(connection);
                          tx.exec_params(
                              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = $1 AND pid <> pg_backend_pid()",
                              database);
                          return absl::OkStatus();
                        });
}

// Reopens the live database on every way out of the switch that did not
// switch (an error, an exception, an early return) unless dismissed.
class ReopenUnlessSwitched {
 public:
  ReopenUnlessSwitched(const PostgresSettings& settings, std::string database)
      : settings_(settings), database_(std::move(database)) {}
  ~ReopenUnlessSwitched() {
    if (!done_) Reopen().IgnoreError();
  }
  ReopenUnlessSwitched(const ReopenUnlessSwitched&) = delete;
  ReopenUnlessSwitched& operator=(const ReopenUnlessSwitched&) = delete;

  absl::Status Reopen() {
    done_ = true;
    return SetAllowConnections(settings_, database_, true);
  }
  void Dismiss() { done_ = true; }

 private:
  const PostgresSettings& settings_;
  std::string database_;
  bool done_ = false;
};

// Both renames in one transaction; the primary's WAL position after the
// commit (what a replica must have replayed to see the switch).
absl::StatusOr<std::string> RenameInOneTransaction(const PostgresSettings& settings,
                                                   const std::string& database,
                                                   const std::string& replacement,
                                                   const std::string& keep_old_as) {
  std::string lsn;
  QS_RETURN_IF_ERROR(WithConnection(
      settings, kMaintenanceDatabase, absl::StrCat(database, ": switch to ", replacement),
      [&](pqxx::connection& connection) {
        {
          pqxx::work tx(connection);
          if (!keep_old_as.empty()) {
            tx.exec(absl::StrCat("ALTER DATABASE ", QuoteIdentifier(database), " RENAME TO ",
                                 QuoteIdentifier(keep_old_as)));
          }
          tx.exec(absl::StrCat("ALTER DATABASE ", QuoteIdentifier(replacement), " RENAME TO ",
                               QuoteIdentifier(database)));
          tx.commit();
        }
        pqxx::nontransaction after(connection);
        lsn = after.exec1("SELECT pg_current_wal_lsn()::text")[0].as<std::string>();
        return absl::OkStatus();
      }));
  return lsn;
}

absl::StatusOr<std::string> OidOf(const PostgresSettings& settings, const std::string& database) {
  std::string oid;
  QS_RETURN_IF_ERROR(WithConnection(
      settings, kMaintenanceDatabase, absl::StrCat("look up database ", database),
      [&](pqxx::connection& connection) {
        pqxx::nontransaction tx(connection);
        pqxx::result rows =
            tx.exec_params("SELECT oid::text FROM pg_database WHERE datname = $1", database);
        if (!rows.empty()) oid = rows[0][0].as<std::string>();
        return absl::OkStatus();
      }));
  return oid;
}

}  // namespace

std::string PreRestoreName(const std::string& database, absl::Time now) {
  return absl::AsciiStrToLower(absl::StrCat(database, "_pre_restore_", BackupIdAt(now)));
}

std::string ReopenSql(const std::string& database) {
  return absl::StrCat(AllowConnectionsSql(database, true), ";");
}

absl::StatusOr<SwitchedDatabase> SwitchDatabase(const PostgresSettings& settings,
                                                const std::string& database,
                                                const std::string& replacement, absl::Time now,
                                                const SwitchOptions& options) {
  SwitchedDatabase switched;
  QS_ASSIGN_OR_RETURN(switched.previous_oid, OidOf(settings, database));
  if (switched.previous_oid.empty()) {
    QS_ASSIGN_OR_RETURN(switched.switch_lsn,
                        RenameInOneTransaction(settings, database, replacement, ""));
    return switched;
  }
  const std::string keep_old_as = PreRestoreName(database, now);
  TerminationSignalsBlocked signals_wait;
  ReopenUnlessSwitched reopen(settings, database);
  absl::Status failure = SetAllowConnections(settings, database, false);
  // Not a single attempt when the database could not even be closed.
  const int attempts = failure.ok() ? options.attempts : 0;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) absl::SleepFor(options.retry_pause);
    // Again on every attempt: a backend that was still starting when the
    // previous attempt looked was not in pg_stat_activity yet.
    failure = TerminateSessions(settings, database);
    if (!failure.ok()) continue;
    absl::StatusOr<std::string> lsn =
        RenameInOneTransaction(settings, database, replacement, keep_old_as);
    if (lsn.ok()) {
      reopen.Dismiss();
      switched.kept_as = keep_old_as;
      switched.switch_lsn = *lsn;
      return switched;
    }
    failure = lsn.status();
    // A commit whose answer was lost: the rename may have happened.
    absl::StatusOr<std::string> kept_oid = OidOf(settings, keep_old_as);
    if (kept_oid.ok() && *kept_oid == switched.previous_oid) {
      reopen.Dismiss();
      switched.kept_as = keep_old_as;
      return switched;
    }
  }
  // Not switched: say what state the live database is in, not what it
  // should be in.
  absl::Status reopened = reopen.Reopen();
  if (reopened.ok()) {
    return absl::Status(failure.code(),
                        absl::StrCat(failure.message(), "; nothing was switched: ", database,
                                     " accepts connections again, unchanged"));
  }
  return absl::Status(failure.code(),
                      absl::StrCat(failure.message(), "; nothing was switched, but ", database,
                                   " may still refuse connections (reopening it failed: ",
                                   reopened.message(), "); as a superuser, in database ",
                                   kMaintenanceDatabase, ", run: ", ReopenSql(database)));
}

}  // namespace qs::backup
