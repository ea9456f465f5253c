// The `backup` command: wiring only. Settings come from the environment
// (backup_config.h); the commands are in *_command.h.
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/config/env.h"
#include "deploy/backup/backup_config.h"
#include "deploy/backup/init_target_command.h"
#include "deploy/backup/list_command.h"
#include "deploy/backup/prune_command.h"
#include "deploy/backup/restore_command.h"
#include "deploy/backup/run_command.h"
#include "deploy/backup/verify_command.h"

namespace {

constexpr int kUsageError = 2;

constexpr char kUsage[] = R"(usage: backup <command> [options]

Backs up and restores the service databases (quest_db, notification_db,
social_db): pg_dump -Fc in one snapshot per database, encrypted with age on
this machine, stored in S3 or a local/NFS directory with a manifest.

commands:
  init-target                mark a local/NFS target directory as one (once,
                             after mounting it: a target without the marker
                             .quest-backup-target is refused, so an unmounted
                             share is never written to); S3: check the bucket
  run                        back up every database of BACKUP_DATABASES
  list                       list the complete backups (and unfinished objects)
  prune [--dry-run]          delete backups older than BACKUP_RETENTION_DAYS
                             (never a database's newest); --dry-run only lists
  verify [--database D] [--at ID|latest]
                             restore into a scratch database <db>_verify_<id>,
                             check checksum, migration version and rows per
                             table, drop it (default: every database, latest)
  restore --database D (--at ID|latest | --from-dump FILE) [--into NAME]
                             restore into a new database, check it, then switch
                             it in place of D (the old one is kept as
                             D_pre_restore_<stamp>); --into NAME: restore into
                             NAME and stop there; --from-dump: a plain pg_dump
                             -Fc file instead of a stored backup
  restore --database D --switch-to NAME
                             switch an existing, checked copy (kept by a
                             restore whose switch failed) in place of D

settings (environment; secrets also as NAME_FILE): BACKUP_TARGET,
  BACKUP_S3_ENDPOINT, BACKUP_S3_REGION, BACKUP_S3_ACCESS_KEY, BACKUP_S3_SECRET_KEY,
  BACKUP_AGE_RECIPIENTS (run), BACKUP_AGE_IDENTITY_FILE (verify, restore),
  BACKUP_RETENTION_DAYS, BACKUP_DATABASES, BACKUP_STAGING_DIR, BACKUP_PG_HOST,
  BACKUP_PG_PORT, BACKUP_PG_USER, BACKUP_PG_PASSWORD, BACKUP_PG_SSL_MODE,
  BACKUP_PG_BIN_DIR, BACKUP_PG_READ_HOST, BACKUP_PG_READ_PORT, BACKUP_RESTORE_JOBS. See docs/operations/backup-and-restore.md.

exit status:
  0  everything succeeded
  1  a database (or the target) failed: each failure is printed, naming the
     database and the object; a failed restore says what state the live
     database is in (unchanged, or how to reopen it) and what was kept
  2  bad usage or configuration
)";

struct Arguments {
  std::string command;
  std::map<std::string, std::string> options;  // "--at" -> "latest"
  bool dry_run = false;
  bool help = false;
};

// Options with a value, per command.
const std::map<std::string, std::vector<std::string>>& ValueOptions() {
  static const auto* options = new std::map<std::string, std::vector<std::string>>{
      {"init-target", {}},
      {"run", {}},
      {"list", {}},
      {"prune", {}},
      {"verify", {"--database", "--at"}},
      {"restore", {"--database", "--at", "--from-dump", "--into", "--switch-to"}},
  };
  return *options;
}

absl::StatusOr<Arguments> Parse(int argc, char** argv) {
  Arguments parsed;
  std::vector<std::string> words(argv + 1, argv + argc);
  for (const std::string& word : words) {
    if (word == "--help" || word == "-h" || word == "help") parsed.help = true;
  }
  if (parsed.help) return parsed;
  if (words.empty()) return absl::InvalidArgumentError("no command given");
  parsed.command = words[0];
  auto allowed = ValueOptions().find(parsed.command);
  if (allowed == ValueOptions().end()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown command '", parsed.command, "'"));
  }
  for (size_t i = 1; i < words.size(); ++i) {
    std::string name = words[i];
    std::optional<std::string> value;
    if (size_t equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    if (name == "--dry-run" && parsed.command == "prune" && !value) {
      parsed.dry_run = true;
      continue;
    }
    const std::vector<std::string>& names = allowed->second;
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("backup ", parsed.command, ": unknown option '", words[i], "'"));
    }
    if (!value) {
      if (i + 1 >= words.size()) return absl::InvalidArgumentError(name + ": needs a value");
      value = words[++i];
    }
    if (value->empty()) return absl::InvalidArgumentError(name + ": empty value");
    if (!parsed.options.emplace(name, *value).second) {
      return absl::InvalidArgumentError(name + ": given twice");
    }
  }
  return parsed;
}

std::string Option(const Arguments& arguments, const std::string& name,
                   const std::string& fallback = "") {
  auto found = arguments.options.find(name);
  return found == arguments.options.end() ? fallback : found->second;
}

qs::backup::Needs NeedsOf(const Arguments& arguments) {
  if (arguments.command == "run") return qs::backup::Needs::kBackUp;
  if (arguments.command == "verify") return qs::backup::Needs::kRestore;
  if (arguments.command == "restore") {
    // A plain dump or a database already there: PostgreSQL only.
    return arguments.options.count("--from-dump") != 0 ||
                   arguments.options.count("--switch-to") != 0
               ? qs::backup::Needs::kRestoreFromDump
               : qs::backup::Needs::kRestore;
  }
  return qs::backup::Needs::kTargetOnly;
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<Arguments> arguments = Parse(argc, argv);
  if (!arguments.ok()) {
    std::cerr << "backup: " << arguments.status().message() << " (backup --help for usage)\n";
    return kUsageError;
  }
  if (arguments->help) {
    std::cout << kUsage;
    return 0;
  }
  absl::StatusOr<qs::backup::BackupConfig> config =
      qs::backup::ReadBackupConfig(qs::config::ProcessEnv(), NeedsOf(*arguments));
  if (!config.ok()) {
    std::cerr << "backup " << arguments->command << ": " << config.status().message() << "\n";
    return kUsageError;
  }
  const std::string& command = arguments->command;
  if (command == "run") return qs::backup::RunBackups(*config, std::cout, std::cerr);
  if (command == "init-target") return qs::backup::InitTarget(*config, std::cout, std::cerr);
  if (command == "list") return qs::backup::ListBackups(*config, std::cout, std::cerr);
  if (command == "prune") {
    return qs::backup::PruneBackups(*config, arguments->dry_run, absl::Now(), std::cout, std::cerr);
  }
  if (command == "verify") {
    std::vector<std::string> databases;
    if (std::string database = Option(*arguments, "--database"); !database.empty()) {
      databases.push_back(database);
    }
    return qs::backup::VerifyBackups(*config, databases, Option(*arguments, "--at", "latest"),
                                     std::cout, std::cerr);
  }
  qs::backup::RestoreRequest request;
  request.database = Option(*arguments, "--database");
  request.backup_id = Option(*arguments, "--at");
  request.from_dump = Option(*arguments, "--from-dump");
  request.into = Option(*arguments, "--into");
  request.switch_to = Option(*arguments, "--switch-to");
  return qs::backup::RestoreDatabase(*config, request, std::cout, std::cerr);
}
