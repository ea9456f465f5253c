#include "common/service/service_main.h"

#include <signal.h>

#include <atomic>
#include <csignal>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/api/acting_user.h"
#include "common/auth/auth_hook.h"
#include "common/auth/auth_settings.h"
#include "common/auth/rate_limit_hook.h"
#include "common/auth/rate_limit_settings.h"
#include "common/base/status_macros.h"
#include "common/config/env.h"
#include "common/events/event_stream_settings.h"
#include "common/grpc/invalid_utf8_capture.h"
#include "common/grpc/lsn_metadata_hooks.h"
#include "common/grpc/trace_context_hook.h"
#include "common/metrics/metrics_settings.h"
#include "common/metrics/service_metrics.h"
#include "common/migrate/embedded_migrations.h"
#include "common/migrate/migrator.h"
#include "common/ops/diagnostics_service.h"
#include "common/ops/read_routing_degradations.h"
#include "common/privacy/erasure_handlers.h"
#include "common/privacy/privacy_service.h"
#include "common/privacy/privacy_settings.h"
#include "common/service/allocator_tuning.h"
#include "common/service/logging.h"
#include "proto/ops/v1/diagnostics_methods.h"
#include "proto/ops/v1/privacy_methods.h"
#include "spdlog/spdlog.h"

namespace qs::service {
namespace {

// Applies the binary's own pending migrations on the write node, as the
// migration (owner) role: the runtime role may not change the schema.
// Several instances starting together are serialised by the migrator's lock.
absl::Status ApplyEmbeddedMigrations(const config::DbConfig& db, const std::string& service) {
  absl::StatusOr<std::vector<migrate::Migration>> migrations =
      migrate::ParseMigrationFiles(migrate::EmbeddedMigrations());
  if (!migrations.ok()) return migrations.status();
  migrate::Migrator migrator(db.MigrationConnectionString(service + "-migrate"), *migrations);
  absl::StatusOr<std::vector<migrate::AppliedMigration>> applied = migrator.Run();
  if (!applied.ok()) return applied.status();
  for (const migrate::AppliedMigration& migration : *applied) {
    spdlog::info("migration applied: {}_{} ({} ms)", migration.version, migration.name,
                 migration.duration_ms);
  }
  spdlog::info("schema up to date: {} migration(s) known, {} applied now", migrations->size(),
               applied->size());
  return absl::OkStatus();
}

// Migrates before serving. While the write node is unreachable it retries
// every second (a service may start before its database); any other
// failure (a failing statement, drift) means the process must not serve.
// Returns the exit code to stop with, or nullopt to go on.
std::optional<int> MigrateBeforeServing(const config::DbConfig& db, const std::string& service) {
  sigset_t termination;
  sigemptyset(&termination);
  sigaddset(&termination, SIGTERM);
  sigaddset(&termination, SIGINT);
  while (true) {
    absl::Status migrated = ApplyEmbeddedMigrations(db, service);
    if (migrated.ok()) return std::nullopt;
    if (migrated.code() != absl::StatusCode::kUnavailable) {
      spdlog::critical("migrations failed, not serving: {}", std::string(migrated.message()));
      return 1;
    }
    spdlog::warn("cannot migrate yet, retrying in 1s: {}", std::string(migrated.message()));
    timespec one_second{1, 0};
    if (sigtimedwait(&termination, nullptr, &one_second) > 0) return 0;
  }
}

// Every store's statements in one list, as each connection registers them.
// A name used twice would mean two texts for one name, and an empty name is
// libpq's unnamed statement, which every kPerCall statement overwrites: both
// stop start-up instead.
absl::StatusOr<std::vector<db::PreparedStatement>> AllPreparedStatements(
    const std::vector<std::vector<db::PreparedStatement>>& per_store) {
  std::vector<db::PreparedStatement> all;
  std::set<std::string> names;
  for (const std::vector<db::PreparedStatement>& statements : per_store) {
    for (const db::PreparedStatement& statement : statements) {
      if (statement.name.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("a statement without a name is registered: ", statement.sql));
      }
      if (!names.insert(statement.name).second) {
        return absl::FailedPreconditionError(
            absl::StrCat("prepared statement ", statement.name, " is registered twice"));
      }
      all.push_back(statement);
    }
  }
  return all;
}

// Whether the read node has replayed every migration the write node has:
// until it has, a read there may meet a table that does not exist yet.
// Asked of the replica itself (Database::ReadOnReplica), not of whichever
// node a routed read would reach. A read node that cannot be reached does
// not hold the service back: `*replica_down` is set, and the service serves
// degraded, reads on the write node (common/db/read_router.h), until the
// replica answers and is asked again.
absl::Status ReplicaHasTheSchema(db::Database& database, bool* replica_down) {
  auto latest = [](db::ReadTx& tx) -> absl::StatusOr<std::string> {
    return tx.Query("SELECT coalesce(max(version), '') FROM schema_migrations")[0][0]
        .as<std::string>();
  };
  QS_ASSIGN_OR_RETURN(const std::string on_primary, database.ReadFromPrimary(latest));
  absl::StatusOr<std::string> read = database.ReadOnReplica(latest);
  *replica_down = absl::IsUnavailable(read.status());
  if (*replica_down) return absl::OkStatus();
  QS_ASSIGN_OR_RETURN(const std::string on_replica, std::move(read));
  if (on_replica != on_primary) {
    return absl::UnavailableError(absl::StrCat("the read node has not replayed migration ",
                                               on_primary, " yet (it is at '", on_replica, "')"));
  }
  return absl::OkStatus();
}

// Ready when the write node answers and — once, after migrating at start-up —
// the read node has the schema the migrations built. The read node being
// down is a degradation ("db:reads"), not unreadiness: reads fall back.
// NOT_SERVING only while the write node is down (reads and writes are then
// UNAVAILABLE); SERVING again when it answers, without a restart.
class ReadinessProbe {
 public:
  ReadinessProbe(db::Database& database, bool wait_for_schema)
      : database_(database), schema_seen_(!wait_for_schema) {}

  absl::Status operator()() {
    QS_RETURN_IF_ERROR(database_.Ping());
    if (schema_seen_.load()) return absl::OkStatus();
    bool replica_down = false;
    QS_RETURN_IF_ERROR(ReplicaHasTheSchema(database_, &replica_down));
    if (replica_down) return absl::OkStatus();
    // The lag sampler's first rounds may have met the replica before it had
    // this database (a database just created on the primary): until a
    // round succeeds, reads count as lagging and go to the primary. Wait a
    // moment for one, so that a new service does not start out on the
    // primary with a healthy replica; never long, since the primary serves.
    if (!database_.RoutingStatus().lag_known && absl::Now() < lag_wait_until_) {
      return absl::UnavailableError("the replica's lag has not been sampled yet");
    }
    schema_seen_.store(true);
    return absl::OkStatus();
  }

 private:
  db::Database& database_;
  std::atomic<bool> schema_seen_;
  const absl::Time lag_wait_until_ = absl::Now() + absl::Seconds(5);
};

}  // namespace

int RunService(const ServiceDefinition& definition) {
  // Debian's Abseil records every absl::Mutex acquisition (gRPC's locks) in a
  // lock graph to detect deadlocks: a debugging aid that costs a few percent
  // of a call's CPU in profiles of GetPuzzle. Our own code uses std::mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  grpc_util::BlockTerminationSignals();
  // While no other thread exists: protobuf's log handler is a plain global.
  // It lets a request with invalid UTF-8 be answered naming the field.
  grpc_util::CaptureInvalidUtf8ParseErrors();
  // libpq and gRPC write to sockets the peer may have closed; the resulting
  // SIGPIPE must become an error on that socket, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  // Before the first line, so that every line has the chosen shape; a bad
  // value is reported (in text) once logging is up.
  const absl::StatusOr<LogFormat> log_format = ParseLogFormat(config::ProcessEnv()("LOG_FORMAT"));
  SetUpLogging(definition.name, log_format.ok() ? *log_format : LogFormat::kText);
  TuneAllocator();
  // Every return below, and the destructors of what is built after this,
  // log before the lines queued are written out.
  struct FlushLoggingAtReturn {
    ~FlushLoggingAtReturn() { FlushLogging(); }
  } flush_logging_at_return;

  if (!log_format.ok()) {
    spdlog::critical("config error: {}", std::string(log_format.status().message()));
    return 2;
  }
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
  absl::StatusOr<events::EventStreamSettings> event_settings = events::LoadEventStreamSettings(env);
  if (!event_settings.ok()) {
    spdlog::critical("config error: {}", std::string(event_settings.status().message()));
    return 2;
  }
  absl::StatusOr<privacy::PrivacySettings> privacy_settings = privacy::LoadPrivacySettings(env);
  if (!privacy_settings.ok()) {
    spdlog::critical("config error: {}", std::string(privacy_settings.status().message()));
    return 2;
  }
  absl::StatusOr<metrics::MetricsSettings> metrics_settings = metrics::LoadMetricsSettings(env);
  if (!metrics_settings.ok()) {
    spdlog::critical("config error: {}", std::string(metrics_settings.status().message()));
    return 2;
  }
  absl::StatusOr<auth::AuthSettings> auth_settings = auth::LoadAuthSettings(env);
  if (!auth_settings.ok()) {
    spdlog::critical("config error: {}", std::string(auth_settings.status().message()));
    return 2;
  }
  absl::StatusOr<auth::RateLimitSettings> rate_limit_settings = auth::LoadRateLimitSettings(env);
  if (!rate_limit_settings.ok()) {
    spdlog::critical("config error: {}", std::string(rate_limit_settings.status().message()));
    return 2;
  }
  if (definition.load_config) {
    absl::Status service_config = definition.load_config(env);
    if (!service_config.ok()) {
      spdlog::critical("config error: {}", std::string(service_config.message()));
      return 2;
    }
  }
  absl::StatusOr<std::vector<db::PreparedStatement>> prepared =
      AllPreparedStatements(definition.prepared_statements);
  if (!prepared.ok()) {
    spdlog::critical("not serving: {}", std::string(prepared.status().message()));
    return 1;
  }
  // A worker holds at most one write connection at a time: more workers
  // than connections would only wait on the pool.
  if (server_config->worker_threads == 0) {
    server_config->worker_threads = db_config->max_connections;
  }
  spdlog::set_level(spdlog::level::from_str(server_config->log_level));
  spdlog::info("starting {}: database {}, pool min={} max={}", definition.name,
               db_config->Describe(), db_config->min_connections, db_config->max_connections);

  if (server_config->migrate_on_start) {
    std::optional<int> stop = MigrateBeforeServing(*db_config, definition.name);
    if (stop) return *stop;
  }

  db::Database database(*db_config, definition.name, *std::move(prepared));
  events::EventStream event_stream(definition.name, *std::move(event_settings), database,
                                   *db_config);
  ServiceContext context(*server_config, database, event_stream);
  context.Host<::ops::v1::Diagnostics>(
      std::make_unique<ops::DiagnosticsService>(definition.name, database, context.degradations_,
                                                [&event_stream] { return event_stream.Status(); }));
  context.ReportDegradations([&event_stream] { return event_stream.Degradations(); });
  context.ReportDegradations(ops::ReadRoutingDegradations(database));
  if (definition.erase_user) {
    privacy::UserErasure erasure(definition.name, definition.erase_user);
    privacy::RegisterErasureHandlers(context.events(), erasure);
    context.Host<::ops::v1::Privacy>(std::make_unique<privacy::PrivacyService>(
        database, std::move(erasure), *std::move(privacy_settings)));
  }
  if (definition.add_services) definition.add_services(context);
  // The trace hook first: the later hooks and the call log see the trace.
  grpc_util::TraceContextHook trace_context;
  std::vector<grpc_util::CallHooks*> call_hooks = {&trace_context};
  // Then who calls (AUTH_MODE), then that user's rate limits (RATE_LIMITS):
  // the hooks after these see the user, and a refused call runs nothing.
  api::SetIdentitySource(auth_settings->mode == auth::AuthMode::kJwt
                             ? api::IdentitySource::kVerifiedToken
                             : api::IdentitySource::kUserIdHeader);
  auth::AuthHook auth_hook(auth_settings->verifier);
  call_hooks.push_back(&auth_hook);
  spdlog::info("identity: {}", auth_settings->mode == auth::AuthMode::kJwt
                                   ? "bearer JWT (AUTH_MODE=jwt; x-user-id ignored)"
                                   : "x-user-id metadata (AUTH_MODE=header)");
  std::unique_ptr<auth::RateLimitHook> rate_limits;
  if (rate_limit_settings->enabled()) {
    grpc_util::MethodTable methods;
    for (const grpc_util::HostedService& hosted : context.hosted_) hosted.add_methods(methods);
    absl::StatusOr<std::unique_ptr<auth::RateLimitHook>> created =
        auth::RateLimitHook::Create(*rate_limit_settings, methods.paths());
    if (!created.ok()) {
      spdlog::critical("config error: {}", std::string(created.status().message()));
      return 2;
    }
    rate_limits = *std::move(created);
    spdlog::info("rate limits per user: {}", absl::StrJoin(rate_limits->LimitedMethods(), ", "));
    call_hooks.push_back(rate_limits.get());
  }
  // x-min-lsn into the call, x-db-lsn onto its answer (read-your-writes).
  grpc_util::LsnMetadataHooks lsn_metadata;
  call_hooks.push_back(&lsn_metadata);
  // Before anything starts: an endpoint that cannot bind stops start-up.
  std::unique_ptr<metrics::ServiceMetrics> service_metrics;
  if (metrics_settings->enabled()) {
    std::vector<std::string> service_names;
    for (const grpc_util::HostedService& hosted : context.hosted_) {
      service_names.push_back(hosted.full_name);
    }
    absl::StatusOr<std::unique_ptr<metrics::ServiceMetrics>> started =
        metrics::ServiceMetrics::Start(*metrics_settings, service_names, database, event_stream);
    if (!started.ok()) {
      spdlog::critical("not serving: {}", std::string(started.status().message()));
      return 1;
    }
    service_metrics = *std::move(started);
    call_hooks.push_back(&service_metrics->rpc_hooks());
  }

  for (base::PeriodicLoop* worker : context.workers_) worker->Start();
  // After the handlers exist (consumers run them); NATS may still be down.
  event_stream.Start();
  ReadinessProbe readiness(database, /*wait_for_schema=*/server_config->migrate_on_start);
  auto on_drain_deadline = [&database] {
    database.CancelRunningQueries();
    // Reads still out on the async path are answered UNAVAILABLE (safe to
    // retry elsewhere) now, while the serving core they answer through
    // exists: an answer after it is gone would use freed calls.
    database.StopAsyncReads();
  };
  const int exit_code = grpc_util::ServeUntilTerminated(
      *server_config, {.service_name = definition.name,
                       .services = context.hosted_,
                       .readiness_probe = [&readiness] { return readiness(); },
                       .on_drain_deadline = on_drain_deadline,
                       .call_hooks = call_hooks});
  service_metrics.reset();
  // Drained: no call runs any more. The event stream and the workers stop
  // before the handlers they use are destroyed with `context`.
  event_stream.Stop();
  for (auto worker = context.workers_.rbegin(); worker != context.workers_.rend(); ++worker) {
    (*worker)->Stop();
  }
  return exit_code;
}

}  // namespace qs::service
