// The whole start-up sequence of a service, so that each service's main()
// only says what is particular to it:
//
//   int main() {
//     qs::quest::RankCounter::Options ranks;  // the service's own settings
//     return qs::service::RunService({
//         .name = "quest",
//         .default_port = 50051,
//         .load_config = qs::service::LoadConfigInto(ranks, qs::quest::LoadRankOptions),
//         .prepared_statements = {qs::quest::PuzzleStore::PreparedStatements(),
//                                 qs::quest::LeaderboardStore::PreparedStatements()},
//         .add_services = [&](qs::service::ServiceContext& context) {
//           auto page_tokens =
//               *qs::api::PageTokenCodec::Create(context.server_config.page_token_key);
//           auto leaderboard = std::make_unique<qs::quest::LeaderboardHandler>(
//               context.database, page_tokens, ranks);
//           context.RunInBackground(leaderboard->rank_refresher());
//           context.Host<::quest::v1::LeaderboardService>(std::move(leaderboard));
//         }});
//   }
//
// Order: block termination signals, ignore SIGPIPE → logging → config, the
// common settings then `load_config` (a bad value stops start-up with one
// line naming the variable, exit 2) → pending migrations built into the
// binary (MIGRATE_ON_START, on by default; a failure stops start-up, exit 1)
// → database router with every store's prepared statements → handlers
// (+ ops.v1.Diagnostics, + ops.v1.Privacy with erase_user) → background
// workers start → the event stream starts (outbox relay, consumers of the
// handlers in context.events(); common/events/event_stream.h, EVENTS_*
// settings) → serve until SIGTERM/SIGINT → drain → event stream stops →
// background workers stop → handlers destroyed. Logging is asynchronous
// (logging.h) and flushed on every return.
// Health is SERVING while both database nodes answer, and not before the
// read node has replayed the migrations applied at start-up (a read there
// would meet missing tables).
#ifndef QS_COMMON_SERVICE_SERVICE_MAIN_H_
#define QS_COMMON_SERVICE_SERVICE_MAIN_H_

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/base/periodic_loop.h"
#include "common/config/db_config.h"
#include "common/config/env.h"
#include "common/config/server_config.h"
#include "common/db/database.h"
#include "common/events/event_handlers.h"
#include "common/events/event_stream.h"
#include "common/grpc/method_table.h"
#include "common/grpc/server.h"
#include "common/ops/degradations.h"
#include "common/privacy/user_erasure.h"
#include "grpcpp/impl/codegen/service_type.h"

namespace qs::service {

// Whether Impl has `void ServeAsyncMethods(grpc_util::MethodTable&)`.
template <typename Impl, typename = void>
struct HasServeAsyncMethods : std::false_type {};
template <typename Impl>
struct HasServeAsyncMethods<Impl, std::void_t<decltype(std::declval<Impl&>().ServeAsyncMethods(
                                      std::declval<grpc_util::MethodTable&>()))>> : std::true_type {
};

// What add_services gets to build its handlers with. Used on the start-up
// thread only.
class ServiceContext {
 public:
  ServiceContext(const config::ServerConfig& server_config, db::Database& database,
                 events::EventStream& event_stream)
      : server_config(server_config), database(database), event_stream_(event_stream) {}

  // Serves `impl` (kept alive until shutdown) under GeneratedService's name:
  // every method's blocking body on the worker pool. A handler that also
  // has `void ServeAsyncMethods(grpc_util::MethodTable&)` declares there
  // which methods run non-blocking instead (MethodTable::ServeAsync); it is
  // called right after the handler's methods are added.
  template <typename GeneratedService, typename Impl>
  void Host(std::unique_ptr<Impl> impl) {
    Impl* handler = impl.get();
    grpc_util::HostedService hosted = grpc_util::HostedService::Of<GeneratedService>(handler);
    if constexpr (HasServeAsyncMethods<Impl>::value) {
      hosted.add_methods = [add = std::move(hosted.add_methods),
                            handler](grpc_util::MethodTable& table) {
        add(table);
        handler->ServeAsyncMethods(table);
      };
    }
    hosted_.push_back(std::move(hosted));
    owned_.push_back(std::move(impl));
  }

  // Runs `worker` while the service serves: RunService starts it once every
  // handler is built (after add_services returns) and stops it on drain,
  // after the last call has finished and before the handlers are destroyed,
  // in reverse order of registration. Not owned: `worker` must live until
  // RunService returns, e.g. as a member of a hosted handler.
  void RunInBackground(base::PeriodicLoop& worker) { workers_.push_back(&worker); }

  // Lists what `source` reports in ops.v1.Diagnostics/GetServiceInfo
  // (common/ops/degradations.h); `source` must be thread-safe and live
  // until RunService returns.
  void ReportDegradations(ops::DegradationSource source) { degradations_.Add(std::move(source)); }

  // The handlers of the events this service consumes from other services
  // (common/events/event_handlers.h); run by the consumers once serving.
  events::EventHandlers& events() { return event_stream_.handlers(); }

  const config::ServerConfig& server_config;
  db::Database& database;

 private:
  events::EventStream& event_stream_;
  friend int RunService(const struct ServiceDefinition&);
  std::vector<grpc_util::HostedService> hosted_;
  std::vector<std::unique_ptr<grpc::Service>> owned_;
  std::vector<base::PeriodicLoop*> workers_;
  ops::Degradations degradations_;
};

// Reads a service's own settings from the environment. An error's message
// names the variable (as config::ReadInt and friends do).
using ConfigLoader = std::function<absl::Status(const config::EnvLookup&)>;

struct ServiceDefinition {
  std::string name;  // "quest": used in logs and pool names.
  int default_port;  // Port of GRPC_LISTEN_ADDRESS when unset.
  // Runs right after the common settings are read; an error stops start-up
  // exactly like theirs ("config error: <message>", exit 2). Optional.
  ConfigLoader load_config;
  // Hot statements prepared on every database connection (parsed and
  // planned once per connection, not per call); run with QueryPrepared.
  // One list per store, e.g. {PuzzleStore::PreparedStatements(), ...}; a
  // name registered twice stops start-up (exit 1).
  std::vector<std::vector<db::PreparedStatement>> prepared_statements;
  std::function<void(ServiceContext&)> add_services;
  // Erases or anonymises a user's rows in the service's own tables
  // (common/privacy/user_erasure.h). Set, the service serves ops.v1.Privacy
  // (PRIVACY_ADMIN_TOKEN) and follows the other services' UserErased.
  privacy::EraseUserFn erase_user;
};

// A load_config that stores what `load` (absl::StatusOr<T>(const
// config::EnvLookup&)) returns in `settings`, which must outlive RunService:
//   .load_config = LoadConfigInto(ranks, quest::LoadRankOptions),
template <typename T, typename Load>
ConfigLoader LoadConfigInto(T& settings, Load load) {
  return [&settings, load = std::move(load)](const config::EnvLookup& env) -> absl::Status {
    absl::StatusOr<T> loaded = load(env);
    if (!loaded.ok()) return loaded.status();
    settings = *std::move(loaded);
    return absl::OkStatus();
  };
}

// Runs the service; returns the process exit code.
int RunService(const ServiceDefinition& definition);

}  // namespace qs::service

#endif  // QS_COMMON_SERVICE_SERVICE_MAIN_H_
