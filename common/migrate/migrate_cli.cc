#include "common/migrate/migrate_cli.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/cli/database_flag.h"
#include "common/cli/flags.h"
#include "common/config/database_url.h"
#include "common/config/db_config.h"
#include "common/config/env.h"
#include "common/migrate/migrator.h"
#include "common/migrate/schema_generator.h"

namespace qs::migrate {
namespace {

constexpr int kFailed = 1;
constexpr int kUsage = 2;

void PrintUsage(const std::string& service) {
  std::fprintf(stderr,
               "usage: %s-migrate <run|revert|status|generate> [flags]\n"
               "  --database-url=postgres://user:pw@host:port/db  (default: DB_* env,\n"
               "    as DB_MIGRATION_USER when set; passwords also from *_FILE)\n"
               "  --dir=DIR          read migrations from DIR, not the built-in set\n"
               "  generate only: --name=snake_case_description (required),\n"
               "    --admin-url=URL (or MIGRATE_ADMIN_URL / MIGRATE_ADMIN_URL_FILE),\n"
               "    --schema=FILE, --out=DIR\n",
               service.c_str());
}

int Fail(const std::string& message, int code = kFailed) {
  std::fprintf(stderr, "migrate: %s\n", message.c_str());
  return code;
}

struct Options {
  std::string command;
  cli::Flags flags;
};

// Parses "command --flag=value ..."; nullopt (after printing why) on misuse.
std::optional<Options> ParseArguments(int argc, char** argv) {
  static constexpr absl::string_view kKnownFlags[] = {"database-url", "dir",    "name",
                                                      "admin-url",    "schema", "out"};
  absl::StatusOr<cli::Flags> flags = cli::Flags::Parse(argc, argv, kKnownFlags);
  if (!flags.ok()) {
    std::fprintf(stderr, "migrate: %s\n", std::string(flags.status().message()).c_str());
    return std::nullopt;
  }
  if (flags->help() || flags->positional().empty()) return std::nullopt;
  const std::vector<std::string>& positional = flags->positional();
  if (positional.size() > 1) {
    std::fprintf(stderr, "migrate: unexpected argument %s\n", positional[1].c_str());
    return std::nullopt;
  }
  const std::string command = positional[0];
  static const char* kCommands[] = {"run", "revert", "status", "generate"};
  for (const char* known : kCommands) {
    if (command == known) return Options{command, *std::move(flags)};
  }
  std::fprintf(stderr, "migrate: unknown command %s\n", command.c_str());
  return std::nullopt;
}

absl::StatusOr<config::DbConfig> TargetDatabase(const Options& options) {
  return cli::DatabaseFromFlags(options.flags);
}

std::string WorkspacePath(const std::string& relative) {
  const char* workspace = std::getenv("BUILD_WORKSPACE_DIRECTORY");
  return workspace ? std::string(workspace) + "/" + relative : relative;
}

int PrintStatus(const MigrationStatus& status) {
  for (const AppliedMigration& a : status.applied) {
    std::printf("applied  %s_%s  at %s  (%lld ms)\n", a.version.c_str(), a.name.c_str(),
                a.applied_at.c_str(), static_cast<long long>(a.duration_ms));
  }
  for (const Migration& m : status.pending) {
    std::printf("pending  %s\n", m.id().c_str());
  }
  for (const std::string& problem : status.drift) {
    std::printf("DRIFT    %s\n", problem.c_str());
  }
  if (status.applied.empty() && status.pending.empty()) {
    std::printf("no migrations\n");
  }
  return status.drift.empty() ? 0 : kFailed;
}

}  // namespace

int MigrateMain(const std::string& service, const std::vector<MigrationFile>& embedded, int argc,
                char** argv) {
  std::optional<Options> options = ParseArguments(argc, argv);
  if (!options) {
    PrintUsage(service);
    return kUsage;
  }
  absl::StatusOr<std::vector<Migration>> migrations =
      options->flags.Has("dir") ? LoadMigrationDirectories(absl::StrSplit(
                                      options->flags.String("dir"), ',', absl::SkipEmpty()))
                                : ParseMigrationFiles(embedded);
  if (!migrations.ok()) return Fail(std::string(migrations.status().message()), kUsage);

  if (options->command == "generate") {
    GenerateRequest request;
    request.service = service;
    request.name = options->flags.String("name");
    // The URL holds a password: MIGRATE_ADMIN_URL(_FILE) keeps it off the
    // command line.
    absl::StatusOr<std::string> admin_url =
        options->flags.Has("admin-url")
            ? options->flags.String("admin-url")
            : config::ReadSecret(config::ProcessEnv(), "MIGRATE_ADMIN_URL");
    if (!admin_url.ok()) return Fail(std::string(admin_url.status().message()), kUsage);
    absl::StatusOr<config::DbConfig> admin = config::ParseDatabaseUrl(*admin_url);
    if (!admin.ok()) {
      return Fail(absl::StrCat("generate needs --admin-url or MIGRATE_ADMIN_URL (",
                               admin.status().message(), ")"),
                  kUsage);
    }
    request.admin = *admin;
    request.schema_files = options->flags.Has("schema")
                               ? std::vector<std::string>(absl::StrSplit(
                                     options->flags.String("schema"), ',', absl::SkipEmpty()))
                               : std::vector<std::string>{WorkspacePath("common/schema.sql"),
                                                          WorkspacePath(service + "/schema.sql")};
    request.output_directory = options->flags.Has("out") ? options->flags.String("out")
                                                         : WorkspacePath("migrations/" + service);
    request.migrations = *migrations;
    absl::StatusOr<GenerateResult> result = GenerateMigration(request);
    if (!result.ok()) {
      return Fail(std::string(result.status().message()),
                  result.status().code() == absl::StatusCode::kInvalidArgument ? kUsage : kFailed);
    }
    if (result->up_path.empty()) {
      std::printf("no changes: the migrations already produce %s\n",
                  absl::StrJoin(request.schema_files, " + ").c_str());
    } else {
      std::printf("wrote %s\nwrote %s\n", result->up_path.c_str(), result->down_path.c_str());
    }
    return 0;
  }

  absl::StatusOr<config::DbConfig> target = TargetDatabase(*options);
  if (!target.ok()) return Fail(std::string(target.status().message()), kUsage);
  // As the migration (owner) role: DB_MIGRATION_USER, else the URL's or
  // DB_USER.
  Migrator migrator(target->MigrationConnectionString(service + "-migrate"), *migrations);

  if (options->command == "run") {
    absl::StatusOr<std::vector<AppliedMigration>> applied = migrator.Run();
    if (!applied.ok()) return Fail(std::string(applied.status().message()));
    for (const AppliedMigration& a : *applied) {
      std::printf("applied  %s_%s  (%lld ms)\n", a.version.c_str(), a.name.c_str(),
                  static_cast<long long>(a.duration_ms));
    }
    if (applied->empty()) std::printf("nothing to apply: %s is up to date\n", target->name.c_str());
    return 0;
  }
  if (options->command == "revert") {
    absl::StatusOr<AppliedMigration> reverted = migrator.Revert();
    if (!reverted.ok()) return Fail(std::string(reverted.status().message()));
    std::printf("reverted %s_%s  (%lld ms)\n", reverted->version.c_str(), reverted->name.c_str(),
                static_cast<long long>(reverted->duration_ms));
    return 0;
  }
  absl::StatusOr<MigrationStatus> status = migrator.Status();
  if (!status.ok()) return Fail(std::string(status.status().message()));
  return PrintStatus(*status);
}

}  // namespace qs::migrate
