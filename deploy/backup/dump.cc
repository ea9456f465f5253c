#include "deploy/backup/dump.h"

#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/status_macros.h"
#include "deploy/backup/age_cipher.h"
#include "deploy/backup/postgres_connection.h"
#include "deploy/backup/process.h"
#include "deploy/backup/tool_errors.h"

namespace qs::backup {
namespace {

absl::StatusOr<std::string> PgDumpVersion(const PostgresSettings& settings) {
  Command version;
  version.argv = {PgToolPath(settings, "pg_dump"), "--version"};
  QS_ASSIGN_OR_RETURN(CommandResult result, Run(version));
  if (result.exit_code != 0) {
    return ToolFailure("pg_dump --version", result, settings.bin_dir);
  }
  return std::string(absl::StripAsciiWhitespace(result.output));
}

// A database that is not there is NOT_FOUND rather than the connection
// failure libpq reports ("database ... does not exist", SQLSTATE 3D000).
absl::Status NameMissingDatabase(absl::Status status, const std::string& database) {
  if (absl::StrContains(status.message(),
                        absl::StrCat("database \"", database, "\" does not exist"))) {
    return absl::NotFoundError(absl::StrCat(database, ": database does not exist"));
  }
  return status;
}

// How long the snapshot transaction waits for its table locks (a migration
// holding ACCESS EXCLUSIVE): a backup that would wait longer fails and says
// why instead of hanging the nightly job.
constexpr char kLockTimeout[] = "5min";

// Tables created between the listing and the lock are not locked, so the
// facts could miss them: the attempt is made again, a few times.
constexpr int kAttempts = 3;

std::set<std::string> Names(const std::vector<TableName>& tables) {
  std::set<std::string> names;
  for (const TableName& table : tables) names.insert(absl::StrCat(table.schema, ".", table.name));
  return names;
}

// One attempt: list the tables (own transaction), then a REPEATABLE READ
// transaction whose first statements are SET LOCAL and LOCK TABLE: neither
// takes the snapshot (https://www.postgresql.org/docs/15/sql-lock.html: the
// view of data "will be frozen when its first SELECT or data modification
// statement begins"), so a TRUNCATE or table-rewriting ALTER committed before
// the lock was granted is in the snapshot and one that comes later waits for
// the dump. Counting table by table in an earlier snapshot would let such a
// change make a table look empty to both the count and the dump.
absl::Status DumpOnce(const BackupConfig& config, const std::string& database,
                      const std::string& encrypted_path, DumpedDatabase& dumped) {
  return WithConnection(
      config.postgres, database, database, [&](pqxx::connection& connection) -> absl::Status {
        std::vector<TableName> tables;
        {
          pqxx::read_transaction listing(connection);
          tables = ListTables(listing);
        }
        pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> snapshot(connection);
        snapshot.exec(absl::StrCat("SET LOCAL lock_timeout = '", kLockTimeout, "'"));
        if (!tables.empty()) {
          std::vector<std::string> quoted;
          for (const TableName& table : tables) {
            quoted.push_back(absl::StrCat(snapshot.quote_name(table.schema), ".",
                                          snapshot.quote_name(table.name)));
          }
          snapshot.exec(
              absl::StrCat("LOCK TABLE ", absl::StrJoin(quoted, ", "), " IN ACCESS SHARE MODE"));
        }
        const std::string snapshot_id =
            snapshot.exec1("SELECT pg_export_snapshot()")[0].as<std::string>();
        dumped.snapshot_at = absl::FromUnixMicros(
            snapshot.exec1("SELECT (extract(epoch FROM now()) * 1000000)::bigint")[0]
                .as<int64_t>());
        dumped.facts = ReadDatabaseFacts(snapshot);
        std::set<std::string> counted;
        for (const auto& [table, rows] : dumped.facts.table_rows) counted.insert(table);
        if (counted != Names(tables)) {
          return absl::AbortedError(
              absl::StrCat(database, ": tables were created or dropped while locking them"));
        }

        Command dump;
        dump.argv = {PgToolPath(config.postgres, "pg_dump"), "--format=custom",
                     absl::StrCat("--snapshot=", snapshot_id), "--no-password",
                     absl::StrCat("--dbname=", database)};
        dump.env = PgToolEnvironment(config.postgres);
        Command encrypt = EncryptStage(config.age_recipients);
        encrypt.stdout_path = encrypted_path;
        QS_ASSIGN_OR_RETURN(std::vector<CommandResult> results, RunPipeline({dump, encrypt}));
        QS_RETURN_IF_ERROR(PipelineFailure(
            {absl::StrCat(database, ": pg_dump"), absl::StrCat(database, ": age -e")}, results,
            encrypted_path));
        snapshot.commit();
        return absl::OkStatus();
      });
}

}  // namespace

absl::StatusOr<DumpedDatabase> DumpDatabase(const BackupConfig& config, const std::string& database,
                                            const std::string& encrypted_path) {
  DumpedDatabase dumped;
  QS_ASSIGN_OR_RETURN(dumped.pg_dump_version, PgDumpVersion(config.postgres));
  absl::Status status;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    status = DumpOnce(config, database, encrypted_path, dumped);
    if (!absl::IsAborted(status)) break;
  }
  if (!status.ok()) return NameMissingDatabase(std::move(status), database);
  return dumped;
}

}  // namespace qs::backup
