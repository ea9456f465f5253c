#include "common/service/service_main.h"

#include <signal.h>

#include <optional>

#include "absl/synchronization/mutex.h"
#include "common/config/env.h"
#include "common/migrate/embedded_migrations.h"
#include "common/migrate/migrator.h"
#include "common/ops/diagnostics_service.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace qs::service {
namespace {

void SetUpLogging(const std::string& service) {
  auto logger = spdlog::stderr_logger_mt(service);
  // One line per event, key=value after the prefix, UTC timestamps.
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ level=%l service=%n %v",
                      spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
}

// Applies the binary's own pending migrations on the write node. Several
// instances starting together are serialised by the migrator's lock.
absl::Status ApplyEmbeddedMigrations(const config::DbConfig& db,
                                     const std::string& service) {
  absl::StatusOr<std::vector<migrate::Migration>> migrations =
      migrate::ParseMigrationFiles(migrate::EmbeddedMigrations());
  if (!migrations.ok()) return migrations.status();
  migrate::Migrator migrator(
      db.ConnectionString(db.host, db.port, service + "-migrate"), *migrations);
  absl::StatusOr<std::vector<migrate::AppliedMigration>> applied = migrator.Run();
  if (!applied.ok()) return applied.status();
  for (const migrate::AppliedMigration& migration : *applied) {
    spdlog::info("migration applied: {}_{} ({} ms)", migration.version,
                 migration.name, migration.duration_ms);
  }
  spdlog::info("schema up to date: {} migration(s) known, {} applied now",
               migrations->size(), applied->size());
  return absl::OkStatus();
}

// Migrates before serving. While the write node is unreachable it retries
// every second (a service may start before its database); any other
// failure (a failing statement, drift) means the process must not serve.
// Returns the exit code to stop with, or nullopt to go on.
std::optional<int> MigrateBeforeServing(const config::DbConfig& db,
                                        const std::string& service) {
  sigset_t termination;
  sigemptyset(&termination);
  sigaddset(&termination, SIGTERM);
  sigaddset(&termination, SIGINT);
  while (true) {
    absl::Status migrated = ApplyEmbeddedMigrations(db, service);
    if (migrated.ok()) return std::nullopt;
    if (migrated.code() != absl::StatusCode::kUnavailable) {
      spdlog::critical("migrations failed, not serving: {}",
                       std::string(migrated.message()));
      return 1;
    }
    spdlog::warn("cannot migrate yet, retrying in 1s: {}",
                 std::string(migrated.message()));
    timespec one_second{1, 0};
    if (sigtimedwait(&termination, nullptr, &one_second) > 0) return 0;
  }
}

}  // namespace

int RunService(const ServiceDefinition& definition) {
  // Debian's Abseil records every absl::Mutex acquisition (gRPC's locks) in a
  // lock graph to detect deadlocks: a debugging aid that costs a few percent
  // of a call's CPU in profiles of GetPuzzle. Our own code uses std::mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc_util::BlockTerminationSignals();
  SetUpLogging(definition.name);

  config::EnvLookup env = config::ProcessEnv();
  absl::StatusOr<config::DbConfig> db_config = config::LoadDbConfig(env);
  if (!db_config.ok()) {
    spdlog::critical("config error: {}", std::string(db_config.status().message()));
    return 2;
  }
  absl::StatusOr<config::ServerConfig> server_config =
      config::LoadServerConfig(env, definition.default_port);
  if (!server_config.ok()) {
    spdlog::critical("config error: {}", std::string(server_config.status().message()));
    return 2;
  }
  spdlog::set_level(spdlog::level::from_str(server_config->log_level));
  spdlog::info("starting {}: database {}, pool min={} max={}", definition.name,
               db_config->Describe(), db_config->min_connections,
               db_config->max_connections);

  if (server_config->migrate_on_start) {
    std::optional<int> stop = MigrateBeforeServing(*db_config, definition.name);
    if (stop) return *stop;
  }

  db::Database database(*db_config, definition.name, definition.prepared_statements);
  ServiceContext context(*server_config, database);
  context.Host<::ops::v1::Diagnostics>(
      std::make_unique<ops::DiagnosticsService>(definition.name, database));
  if (definition.add_services) definition.add_services(context);

  return grpc_util::ServeUntilTerminated(
      *server_config, {.service_name = definition.name,
                       .services = context.hosted_,
                       .readiness_probe = [&database] { return database.Ping(); },
                       .on_drain_deadline =
                           [&database] { database.CancelRunningQueries(); }});
}

}  // namespace qs::service
