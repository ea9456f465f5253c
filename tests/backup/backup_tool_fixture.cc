#include "tests/backup/backup_tool_fixture.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/config/db_config.h"
#include "deploy/backup/local_storage.h"
#include "deploy/backup/process.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

std::string TestTmp() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

std::string ServiceOf(const std::string& database) {
  return database.substr(0, database.find('_'));
}

}  // namespace

BackupToolFixture::BackupToolFixture() {
  absl::StatusOr<std::unique_ptr<PrivateCluster>> started = PrivateCluster::Start();
  if (!started.ok()) {
    error_ = std::string(started.status().message());
    return;
  }
  cluster_ = *std::move(started);
  for (const char* database : kDatabases) {
    const std::string service = ServiceOf(database);
    absl::Status migrated =
        cluster_->Migrate(service, {"migrations/common", "migrations/" + service});
    if (!migrated.ok()) {
      error_ = absl::StrCat(database, ": ", migrated.message());
      return;
    }
  }
  identity_file_ = TempDir("age") + "/identity.txt";
  backup::Command keygen;
  keygen.argv = {"age-keygen", "-o", identity_file_};
  absl::StatusOr<backup::CommandResult> made = backup::Run(keygen);
  backup::Command public_key;
  public_key.argv = {"age-keygen", "-y", identity_file_};
  absl::StatusOr<backup::CommandResult> shown = backup::Run(public_key);
  if (!made.ok() || made->exit_code != 0 || !shown.ok() || shown->exit_code != 0) {
    error_ = "age-keygen failed";
    return;
  }
  recipient_ = std::string(absl::StripAsciiWhitespace(shown->output));
}

std::string BackupToolFixture::TempDir(const std::string& name) const {
  const std::string path = absl::StrCat(TestTmp(), "/", name, "-", UniqueSuffix());
  std::filesystem::create_directories(path);
  return path;
}

std::map<std::string, std::string> BackupToolFixture::LocalTarget(std::string* directory) const {
  const std::string path = TempDir("target");
  // Prepared as `backup init-target` does: a target without the marker is
  // refused (local_storage.h), and the tool's error then names it.
  if (const absl::Status prepared = backup::InitLocalTarget(path); !prepared.ok()) {
    std::cerr << "cannot prepare the backup target: " << prepared << "\n";
  }
  if (directory != nullptr) *directory = path;
  return {{"BACKUP_TARGET", path}};
}

ToolRun BackupToolFixture::RunTool(const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& target) const {
  const backup::Command command = ToolCommand(args, target);
  ToolRun run;
  absl::StatusOr<backup::CommandResult> result = backup::Run(command);
  if (!result.ok()) {
    run.errors = std::string(result.status().message());
    return run;
  }
  run.exit_code = result->exit_code;
  run.output = result->output;
  run.errors = result->error_output;
  return run;
}

backup::Command BackupToolFixture::ToolCommand(
    const std::vector<std::string>& args, const std::map<std::string, std::string>& target) const {
  backup::Command command;
  command.argv = {std::getenv("BACKUP_BINARY")};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  command.env = {
      {"BACKUP_PG_HOST", "127.0.0.1"},
      {"BACKUP_PG_PORT", absl::StrCat(cluster_->primary_port())},
      {"BACKUP_PG_USER", "postgres"},
      {"BACKUP_PG_PASSWORD", cluster_->admin_password()},
      {"BACKUP_PG_SSL_MODE", "disable"},
      {"BACKUP_AGE_RECIPIENTS", recipient_},
      {"BACKUP_AGE_IDENTITY_FILE", identity_file_},
      {"BACKUP_STAGING_DIR", TempDir("staging")},
      // The private replica, as the services' read pools use it: a restore
      // ends the sessions there that still read the previous database.
      {"BACKUP_PG_READ_HOST", "127.0.0.1"},
      {"BACKUP_PG_READ_PORT", absl::StrCat(cluster_->replica_port())},
  };
  for (const auto& [name, value] : target) command.env[name] = value;
  return command;
}

absl::Status BackupToolFixture::LoadKnownRows(int rows, const std::string& marker) {
  const std::string series = absl::StrCat("generate_series(1, ", rows, ") AS n");
  absl::StatusOr<std::string> quest =
      Sql("quest_db",
          absl::StrCat("INSERT INTO puzzles (author_id, title, kind, rating, content, solution) "
                       "SELECT gen_random_uuid(), '",
                       marker, "-' || n, 'logic', 1500, repeat('", marker,
                       "-content-' || n || ' ', 20), '", marker, "-solution-' || n FROM ", series));
  if (!quest.ok()) return quest.status();
  absl::StatusOr<std::string> notification =
      Sql("notification_db",
          absl::StrCat("INSERT INTO notification_logs (user_id, category, title, body) "
                       "SELECT gen_random_uuid(), 'social', '",
                       marker, "-' || n, '", marker, "-body-' || n FROM ", series));
  if (!notification.ok()) return notification.status();
  absl::StatusOr<std::string> social = Sql(
      "social_db",
      absl::StrCat("INSERT INTO guilds (name, name_key, description, open, max_members, owner_id) "
                   "SELECT '",
                   marker, "-' || n, lower('", marker, "-' || n), '", marker,
                   "-guild-' || n, true, 50, gen_random_uuid() FROM ", series));
  return social.status();
}

absl::StatusOr<std::string> BackupToolFixture::Sql(const std::string& database,
                                                   const std::string& sql) const {
  return cluster_->AdminSql(PrivateCluster::Node::kPrimary, sql, database);
}

absl::StatusOr<std::map<std::string, std::string>> BackupToolFixture::TableChecksums(
    const std::string& database) const {
  absl::StatusOr<std::string> tables =
      Sql(database,
          "SELECT string_agg(format('%I.%I', n.nspname, c.relname), ',' ORDER BY 1) "
          "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
          "WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema' "
          "AND n.nspname NOT LIKE 'pg\\_%'");
  if (!tables.ok()) return tables.status();
  std::map<std::string, std::string> checksums;
  for (absl::string_view table : absl::StrSplit(*tables, ',', absl::SkipEmpty())) {
    absl::StatusOr<std::string> md5 =
        Sql(database, absl::StrCat("SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY "
                                   "t::text), '')) || ':' || count(*) FROM ",
                                   table, " t"));
    if (!md5.ok()) return md5.status();
    checksums[std::string(table)] = *md5;
  }
  return checksums;
}

absl::StatusOr<int64_t> BackupToolFixture::TotalRows(const std::string& database) const {
  absl::StatusOr<std::map<std::string, std::string>> checksums = TableChecksums(database);
  if (!checksums.ok()) return checksums.status();
  int64_t total = 0;
  for (const auto& [table, checksum] : *checksums) {
    int64_t rows = 0;
    if (!absl::SimpleAtoi(checksum.substr(checksum.find(':') + 1), &rows)) {
      return absl::InternalError(absl::StrCat(table, ": bad count in ", checksum));
    }
    total += rows;
  }
  return total;
}

absl::StatusOr<std::string> BackupToolFixture::DatabaseOid(const std::string& database) const {
  return Sql("postgres",
             absl::StrCat("SELECT oid::text FROM pg_database WHERE datname = '", database, "'"));
}

absl::StatusOr<std::string> BackupToolFixture::DatabasesLike(const std::string& prefix) const {
  return Sql("postgres", absl::StrCat("SELECT string_agg(datname, ',' ORDER BY datname) FROM "
                                      "pg_database WHERE starts_with(datname, '",
                                      prefix, "')"));
}

absl::StatusOr<int64_t> BackupToolFixture::CountAsServiceRole(const std::string& service,
                                                              const std::string& database,
                                                              const std::string& table) const {
  config::DbConfig db = cluster_->ServiceDbConfig(service);
  db.name = database;
  try {
    pqxx::connection connection(db.ConnectionString(db.host, db.port, "backup-test-reader"));
    pqxx::nontransaction tx(connection);
    return tx.exec1(absl::StrCat("SELECT count(*) FROM ", table))[0].as<int64_t>();
  } catch (const std::exception& error) {
    return absl::UnavailableError(absl::StrCat(service, "_svc on ", database, ": ", error.what()));
  }
}

std::string BackupToolFixture::BackupIdIn(const std::string& run_output,
                                          const std::string& database) {
  for (absl::string_view line : absl::StrSplit(run_output, '\n')) {
    const std::string prefix = database + ": ";
    if (absl::StartsWith(line, prefix)) {
      line.remove_prefix(prefix.size());
      return std::string(line.substr(0, line.find(' ')));
    }
  }
  return "";
}

}  // namespace qs::testing
