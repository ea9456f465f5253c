#include "common/migrate/migrator.h"

#include <chrono>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/base/status_macros.h"
#include "common/db/db_error.h"
#include "pqxx/pqxx"

namespace qs::migrate {
namespace {

// One lock per database: migrations of different databases never wait on
// each other, two runs on the same database always do.
constexpr char kLockSql[] = "SELECT pg_advisory_lock(hashtext('schema_migrations'))";

constexpr char kCreateTableSql[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    version text NOT NULL UNIQUE,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms bigint NOT NULL
))sql";

std::string Message(const std::exception& e) {
  return std::string(absl::StripTrailingAsciiWhitespace(e.what()));
}

// A session connection holding the advisory lock; closing it releases the
// lock even if the process dies.
class LockedSession {
 public:
  static absl::StatusOr<std::unique_ptr<LockedSession>> Open(const std::string& conninfo) {
    try {
      auto session = std::unique_ptr<LockedSession>(new LockedSession(conninfo));
      pqxx::nontransaction tx(session->connection_);
      tx.exec(kLockSql);
      tx.exec(kCreateTableSql);
      return session;
    } catch (const std::exception& e) {
      return db::StatusFromDbException(e, "migrations");
    }
  }
  pqxx::connection& connection() { return connection_; }

 private:
  explicit LockedSession(const std::string& conninfo) : connection_(conninfo) {}
  pqxx::connection connection_;
};

absl::StatusOr<std::vector<AppliedMigration>> ReadApplied(pqxx::connection& connection) {
  try {
    pqxx::nontransaction tx(connection);
    pqxx::result rows = tx.exec(
        "SELECT version, name, checksum, applied_at::text, duration_ms "
        "FROM schema_migrations ORDER BY version");
    std::vector<AppliedMigration> applied;
    for (const pqxx::row& row : rows) {
      applied.push_back({row[0].as<std::string>(), row[1].as<std::string>(),
                         row[2].as<std::string>(), row[3].as<std::string>(), row[4].as<int64_t>()});
    }
    return applied;
  } catch (const std::exception& e) {
    return db::StatusFromDbException(e, "reading schema_migrations");
  }
}

std::vector<std::string> FindDrift(const std::vector<AppliedMigration>& applied,
                                   const std::vector<Migration>& migrations) {
  std::map<std::string, const Migration*> by_version;
  for (const Migration& m : migrations) by_version[m.version] = &m;
  std::vector<std::string> drift;
  for (const AppliedMigration& a : applied) {
    auto it = by_version.find(a.version);
    if (it == by_version.end()) {
      drift.push_back(absl::StrCat("applied migration ", a.version, "_", a.name, " has no file"));
    } else if (it->second->checksum != a.checksum) {
      drift.push_back(absl::StrCat("checksum mismatch: migration ", it->second->id(),
                                   " was edited after it was applied"));
    }
  }
  return drift;
}

absl::Status RequireNoDrift(const std::vector<AppliedMigration>& applied,
                            const std::vector<Migration>& migrations) {
  std::vector<std::string> drift = FindDrift(applied, migrations);
  if (drift.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(drift.front());
}

// Runs `sql` and the bookkeeping statement in one transaction.
absl::StatusOr<int64_t> RunInTransaction(pqxx::connection& connection, const std::string& what,
                                         const std::string& sql,
                                         const std::function<void(pqxx::work&, int64_t)>& record) {
  auto start = std::chrono::steady_clock::now();
  try {
    pqxx::work tx(connection);
    tx.exec(sql);
    int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
    record(tx, ms);
    tx.commit();
    return ms;
  } catch (const std::exception& e) {
    absl::Status status = db::StatusFromDbException(e, what);
    return absl::Status(status.code() == absl::StatusCode::kUnavailable
                            ? absl::StatusCode::kUnavailable
                            : absl::StatusCode::kFailedPrecondition,
                        absl::StrCat(what, " failed and was rolled back: ", Message(e)));
  }
}

// The applied migrations, FAILED_PRECONDITION if any differs from the known
// set (see RequireNoDrift).
absl::StatusOr<std::vector<AppliedMigration>> ReadAppliedWithoutDrift(
    pqxx::connection& connection, const std::vector<Migration>& migrations) {
  QS_ASSIGN_OR_RETURN(std::vector<AppliedMigration> applied, ReadApplied(connection));
  QS_RETURN_IF_ERROR(RequireNoDrift(applied, migrations));
  return applied;
}

}  // namespace

absl::StatusOr<std::vector<AppliedMigration>> Migrator::Run() {
  QS_ASSIGN_OR_RETURN(std::unique_ptr<LockedSession> session, LockedSession::Open(conninfo_));
  pqxx::connection& connection = session->connection();
  QS_ASSIGN_OR_RETURN(std::vector<AppliedMigration> applied,
                      ReadAppliedWithoutDrift(connection, migrations_));

  std::map<std::string, bool> done;
  for (const AppliedMigration& a : applied) done[a.version] = true;
  std::vector<AppliedMigration> now_applied;
  for (const Migration& migration : migrations_) {
    if (done.count(migration.version)) continue;
    absl::StatusOr<int64_t> ms = RunInTransaction(
        connection, "migration " + migration.id(), migration.up_sql,
        [&](pqxx::work& tx, int64_t duration_ms) {
          tx.exec_params(
              "INSERT INTO schema_migrations (version, name, checksum, duration_ms) "
              "VALUES ($1, $2, $3, $4)",
              migration.version, migration.name, migration.checksum, duration_ms);
        });
    if (!ms.ok()) return ms.status();
    now_applied.push_back({migration.version, migration.name, migration.checksum, "", *ms});
  }
  return now_applied;
}

absl::StatusOr<AppliedMigration> Migrator::Revert() {
  QS_ASSIGN_OR_RETURN(std::unique_ptr<LockedSession> session, LockedSession::Open(conninfo_));
  pqxx::connection& connection = session->connection();
  QS_ASSIGN_OR_RETURN(std::vector<AppliedMigration> applied,
                      ReadAppliedWithoutDrift(connection, migrations_));
  if (applied.empty()) return absl::NotFoundError("no migration is applied");

  AppliedMigration last = applied.back();
  const Migration* migration = nullptr;
  for (const Migration& m : migrations_) {
    if (m.version == last.version) migration = &m;
  }
  absl::StatusOr<int64_t> ms = RunInTransaction(
      connection, "revert of " + migration->id(), migration->down_sql,
      [&](pqxx::work& tx, int64_t) {
        tx.exec_params("DELETE FROM schema_migrations WHERE version = $1", last.version);
      });
  if (!ms.ok()) return ms.status();
  last.duration_ms = *ms;
  return last;
}

absl::StatusOr<MigrationStatus> Migrator::Status() {
  QS_ASSIGN_OR_RETURN(std::unique_ptr<LockedSession> session, LockedSession::Open(conninfo_));
  QS_ASSIGN_OR_RETURN(std::vector<AppliedMigration> applied, ReadApplied(session->connection()));
  MigrationStatus status;
  status.drift = FindDrift(applied, migrations_);
  std::map<std::string, bool> done;
  for (const AppliedMigration& a : applied) done[a.version] = true;
  status.applied = std::move(applied);
  for (const Migration& m : migrations_) {
    if (!done.count(m.version)) status.pending.push_back(m);
  }
  return status;
}

}  // namespace qs::migrate
