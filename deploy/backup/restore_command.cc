#include "deploy/backup/restore_command.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/base/status_macros.h"
#include "deploy/backup/catalog.h"
#include "deploy/backup/checked_restore.h"
#include "deploy/backup/database_admin.h"
#include "deploy/backup/database_switch.h"
#include "deploy/backup/dump_contents.h"
#include "deploy/backup/identifier.h"
#include "deploy/backup/manifest.h"
#include "deploy/backup/postgres_connection.h"
#include "deploy/backup/replica_sessions.h"
#include "deploy/backup/scratch_restore.h"
#include "deploy/backup/storage.h"

namespace qs::backup {
namespace {

// What a restore hands to the switch: the checked copy and the grants it
// must carry.
struct CheckedCopy {
  std::unique_ptr<ScratchRestore> copy;
  OwnerAndAcl grants;
  std::string source;  // the object or file, for messages
};

// A restore killed before its switch leaves its copy behind under the name
// this restore wants (<db>_restore_<id>: never a live database's name), and
// so does a switch that failed: restoring the same backup again replaces it.
absl::Status DropLeftoverCopy(const BackupConfig& config, const std::string& name) {
  QS_ASSIGN_OR_RETURN(bool exists, DatabaseExists(config.postgres, name));
  if (!exists) return absl::OkStatus();
  std::cerr << name << ": left by an earlier restore of this backup that did not finish; "
            << "dropping it to restore afresh\n";
  return DropDatabase(config.postgres, name);
}

absl::StatusOr<CheckedCopy> FromStoredBackup(const BackupConfig& config,
                                             const RestoreRequest& request) {
  QS_ASSIGN_OR_RETURN(std::unique_ptr<BackupStorage> storage, OpenStorage(config));
  QS_ASSIGN_OR_RETURN(Catalog catalog,
                      ReadCatalog(*storage, {request.database}, config.staging_dir));
  QS_ASSIGN_OR_RETURN(ops::v1::BackupManifest manifest,
                      FindBackup(catalog, request.database, request.backup_id));
  const std::string name = request.into.empty()
                               ? RestoreDatabaseName(request.database, manifest.backup_id())
                               : request.into;
  CheckedCopy checked;
  checked.source = manifest.object_key();
  checked.grants = {manifest.database_owner(), manifest.database_acl()};
  if (checked.grants.owner.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(ManifestKey(request.database, manifest.backup_id()), ": no database owner"));
  }
  if (request.into.empty()) QS_RETURN_IF_ERROR(DropLeftoverCopy(config, name));
  QS_ASSIGN_OR_RETURN(checked.copy, RestoreCheckedCopy(config, *storage, manifest, name));
  return checked;
}

absl::StatusOr<CheckedCopy> FromDumpFile(const BackupConfig& config,
                                         const RestoreRequest& request) {
  // Before anything is created: the grants must come from somewhere.
  absl::StatusOr<OwnerAndAcl> live = ReadOwnerAndAcl(config.postgres, request.database);
  if (absl::IsNotFound(live.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        request.database, ": --from-dump ", request.from_dump,
        ": no live database to copy the owner and ACL from, and a plain dump has no manifest; "
        "restore a stored backup (--at) instead"));
  }
  if (!live.ok()) return live.status();
  QS_ASSIGN_OR_RETURN(std::set<std::string> tables,
                      TablesInDump(config.postgres, request.from_dump));
  const std::string name = request.into.empty()
                               ? RestoreDatabaseName(request.database, BackupIdAt(absl::Now()))
                               : request.into;
  CheckedCopy checked;
  checked.source = request.from_dump;
  checked.grants = *live;
  QS_ASSIGN_OR_RETURN(checked.copy,
                      ScratchRestore::Restore(config.postgres, request.from_dump, name,
                                              request.from_dump, config.restore_jobs));
  std::vector<std::string> missing;
  for (const std::string& table : tables) {
    if (checked.copy->facts().table_rows.count(table) == 0) missing.push_back(table);
  }
  if (!missing.empty()) {
    return absl::DataLossError(absl::StrCat(request.from_dump, ": restored into ", name,
                                            " without tables ", absl::StrJoin(missing, ", ")));
  }
  if (tables.count("public.schema_migrations") != 0 &&
      checked.copy->facts().migration_version.empty()) {
    return absl::DataLossError(
        absl::StrCat(request.from_dump, ": schema_migrations restored empty into ", name));
  }
  return checked;
}

// What to say about the live database when the restore fails.
constexpr char kLiveUnchanged[] = "the live database was not changed";

// The command that switches a kept, checked copy in later.
std::string SwitchToCommand(const std::string& database, const std::string& copy) {
  return absl::StrCat("backup restore --database ", database, " --switch-to ", copy);
}

// Switches `copy` in place of the live database and ends the replica's
// sessions on the previous one.
absl::Status SwitchIn(const BackupConfig& config, const std::string& database,
                      const std::string& copy, std::ostream& out) {
  QS_ASSIGN_OR_RETURN(SwitchedDatabase switched,
                      SwitchDatabase(config.postgres, database, copy, absl::Now()));
  if (switched.kept_as.empty()) {
    out << database << ": " << copy << " renamed to " << database
        << " (there was no live database)\n";
  } else {
    out << database << ": switched: the previous database is kept as " << switched.kept_as
        << " (connections disallowed; drop it once the restore is accepted)\n";
  }
  if (config.postgres.read_host.empty()) {
    out << database << ": WARNING: no replica configured (BACKUP_PG_READ_HOST): sessions on a "
        << "streaming replica still read the previous database; restart the services' read "
        << "pools now\n";
    return absl::OkStatus();
  }
  absl::StatusOr<int> ended = EndReplicaSessions(config.postgres, switched);
  if (!ended.ok()) {
    // The switch itself is done: say so, and what is left to do by hand.
    out << database << ": WARNING: the replica's sessions on the previous database were not "
        << "ended (" << ended.status().message() << "); restart the services' read pools\n";
    return absl::OkStatus();
  }
  out << database << ": replica " << config.postgres.read_host << ":" << config.postgres.read_port
      << " has replayed the switch; " << *ended
      << " session(s) on the previous database ended there\n";
  return absl::OkStatus();
}

absl::Status Restore(const BackupConfig& config, const RestoreRequest& request, std::ostream& out,
                     std::string& live_state) {
  const absl::Time start = absl::Now();
  live_state = kLiveUnchanged;
  if (!request.switch_to.empty()) {
    QS_ASSIGN_OR_RETURN(bool exists, DatabaseExists(config.postgres, request.switch_to));
    if (!exists) {
      return absl::NotFoundError(
          absl::StrCat("--switch-to: database ", request.switch_to, " does not exist"));
    }
    live_state = "";  // the switch's own message says what state it left
    return SwitchIn(config, request.database, request.switch_to, out);
  }
  QS_ASSIGN_OR_RETURN(CheckedCopy checked, request.from_dump.empty()
                                               ? FromStoredBackup(config, request)
                                               : FromDumpFile(config, request));
  ScratchRestore& copy = *checked.copy;
  QS_RETURN_IF_ERROR(GiveOwnerAndAcl(config.postgres, copy.name(), checked.grants));
  out << absl::StrFormat(
      "%s: restored %s into %s: %s, checked (pg_restore --jobs=%d %.1f s, analyze %.1f s)\n",
      request.database, checked.source, copy.name(), DescribeFacts(copy.facts()),
      config.restore_jobs, absl::ToDoubleSeconds(copy.restore_time()),
      absl::ToDoubleSeconds(copy.analyze_time()));
  if (!request.into.empty()) {
    copy.Keep();
    out << request.database << ": left as " << copy.name() << " (--into): nothing switched\n";
    return absl::OkStatus();
  }
  // Whatever the switch does, the checked copy stays: restoring it again
  // would cost most of the RTO.
  copy.Keep();
  if (absl::Status switched = SwitchIn(config, request.database, copy.name(), out);
      !switched.ok()) {
    live_state = absl::StrCat("the checked copy is kept as ", copy.name(),
                              "; to switch it in once the cause is fixed: ",
                              SwitchToCommand(request.database, copy.name()));
    return switched;
  }
  out << absl::StrFormat("%s: restore finished in %.1f s\n", request.database,
                         absl::ToDoubleSeconds(absl::Now() - start));
  return absl::OkStatus();
}

}  // namespace

std::string RestoreDatabaseName(const std::string& database, const std::string& backup_id) {
  return absl::AsciiStrToLower(absl::StrCat(database, "_restore_", backup_id));
}

absl::Status CheckRestoreRequest(const BackupConfig& config, const RestoreRequest& request) {
  if (request.database.empty()) return absl::InvalidArgumentError("--database: required");
  if (std::find(config.databases.begin(), config.databases.end(), request.database) ==
      config.databases.end()) {
    return absl::InvalidArgumentError(absl::StrCat("--database: ", request.database,
                                                   " is not one of BACKUP_DATABASES (",
                                                   absl::StrJoin(config.databases, ","), ")"));
  }
  if (!request.switch_to.empty()) {
    if (!request.backup_id.empty() || !request.from_dump.empty() || !request.into.empty()) {
      return absl::InvalidArgumentError("--switch-to: not with --at, --from-dump or --into");
    }
    if (!IsPlainIdentifier(request.switch_to)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--switch-to: ", request.switch_to, " is not a plain database name ([a-z_][a-z0-9_]*)"));
    }
    if (std::find(config.databases.begin(), config.databases.end(), request.switch_to) !=
        config.databases.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--switch-to: ", request.switch_to, " is a live service database"));
    }
    return absl::OkStatus();
  }
  if (request.backup_id.empty() == request.from_dump.empty()) {
    return absl::InvalidArgumentError("--at / --from-dump: give exactly one");
  }
  if (!request.from_dump.empty()) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(request.from_dump, error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--from-dump: ", request.from_dump, " is not a readable file"));
    }
  }
  if (!request.into.empty()) {
    if (!IsPlainIdentifier(request.into)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--into: ", request.into, " is not a plain database name ([a-z_][a-z0-9_]*, <= 63)"));
    }
    if (request.into == request.database) {
      return absl::InvalidArgumentError(
          "--into: must be a new database, not the live one (omit --into to switch)");
    }
  }
  return absl::OkStatus();
}

int RestoreDatabase(const BackupConfig& config, const RestoreRequest& request, std::ostream& out,
                    std::ostream& err) {
  if (absl::Status valid = CheckRestoreRequest(config, request); !valid.ok()) {
    err << "backup restore: " << valid.message() << "\n";
    return 2;
  }
  std::string live_state;
  if (absl::Status restored = Restore(config, request, out, live_state); !restored.ok()) {
    err << request.database << ": restore FAILED (" << absl::StatusCodeToString(restored.code())
        << "): " << restored.message() << "\n";
    if (!live_state.empty()) err << request.database << ": " << live_state << "\n";
    return 1;
  }
  return 0;
}

}  // namespace qs::backup
