// The whole start-up sequence of a service, so that each service's main()
// only says what is particular to it:
//
//   int main() {
//     return qs::service::RunService({
//         .name = "quest",
//         .default_port = 50051,
//         .add_services = [](qs::service::ServiceContext& ctx) {
//           ctx.Host<quest::v1::QuestService>(std::make_unique<QuestServiceImpl>(ctx.database));
//         }});
//   }
//
// Order: block termination signals → logging → config (a bad value stops
// start-up with one line naming the variable, exit 2) → pending migrations
// built into the binary (MIGRATE_ON_START, on by default; a failure stops
// start-up, exit 1) → database router →
// handlers (+ ops.v1.Diagnostics) → serve until SIGTERM/SIGINT → drain.
#ifndef QS_COMMON_SERVICE_SERVICE_MAIN_H_
#define QS_COMMON_SERVICE_SERVICE_MAIN_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/config/db_config.h"
#include "common/config/server_config.h"
#include "common/db/database.h"
#include "common/grpc/server.h"

namespace qs::service {

// What add_services gets to build its handlers with.
class ServiceContext {
 public:
  ServiceContext(const config::ServerConfig& server_config,
                 db::Database& database)
      : server_config(server_config), database(database) {}

  // Serves `impl` (kept alive until shutdown) under GeneratedService's name.
  template <typename GeneratedService, typename Impl>
  void Host(std::unique_ptr<Impl> impl) {
    hosted_.push_back(grpc_util::HostedService::Of<GeneratedService>(impl.get()));
    owned_.push_back(std::move(impl));
  }

  const config::ServerConfig& server_config;
  db::Database& database;

 private:
  friend int RunService(const struct ServiceDefinition&);
  std::vector<grpc_util::HostedService> hosted_;
  std::vector<std::unique_ptr<grpc::Service>> owned_;
};

struct ServiceDefinition {
  std::string name;   // "quest": used in logs and pool names.
  int default_port;   // Port of GRPC_LISTEN_ADDRESS when unset.
  std::function<void(ServiceContext&)> add_services;
  // Hot statements prepared on every database connection (parsed and
  // planned once per connection, not per call); run with QueryPrepared.
  std::vector<db::PreparedStatement> prepared_statements;
};

// Runs the service; returns the process exit code.
int RunService(const ServiceDefinition& definition);

}  // namespace qs::service

#endif  // QS_COMMON_SERVICE_SERVICE_MAIN_H_
