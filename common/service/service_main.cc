#include "common/service/service_main.h"

#include "common/config/env.h"
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

}  // namespace

int RunService(const ServiceDefinition& definition) {
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

  db::Database database(*db_config, definition.name);
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
