// The compose stack a drill case runs: a ComposeProject with host ports of
// its own (free ones below the ephemeral range), the development secrets of
// deploy/compose/.env.example, the stand-in images, and waits for health.
//
//   auto stack = *DrillStack::Create({"docker-compose.yml"});
//   ASSERT_TRUE(stack->project().Up().ok());
//   ASSERT_TRUE(stack->WaitHealthy({"postgres", "nats", "quest"}, absl::Minutes(3)).ok());
//   auto quest = ChannelToPort(stack->PortOf("quest"));
#ifndef QS_TESTS_DEPLOY_DRILL_STACK_H_
#define QS_TESTS_DEPLOY_DRILL_STACK_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/deploy/drill_compose.h"

namespace qs::drill {

// The gRPC services of the compose files and the variable of their host
// port: quest QUEST_PORT, quest-2 QUEST_2_PORT, ... (deploy/compose/).
const std::map<std::string, std::string>& ServicePortVariables();

// The database a compose service (quest, quest-2, ...) owns: quest_db, ...
std::string DatabaseOf(const std::string& service);

class DrillStack {
 public:
  // A new project over `files` (deploy/compose/ names), nothing started yet.
  // FAILED_PRECONDITION, saying to run deploy/images/build.sh, when a
  // service image is not labelled with the checkout's revision
  // (drill_images.h). FAILED_PRECONDITION naming the variables when deploy/compose/.env would
  // override one of the drill's settings (podman-compose 1.0.3 lets .env win
  // over the environment).
  static absl::StatusOr<std::unique_ptr<DrillStack>> Create(std::vector<std::string> files);

  ComposeProject& project() { return *project_; }
  // The host port of a gRPC service ("quest-2").
  int PortOf(const std::string& service) const;

  // Polls until each service's container is healthy as podman sees it and,
  // for the gRPC services, health Check answers SERVING on the host port.
  // Prints how long each took. An error naming the laggards (with their
  // state and last log lines) at the timeout.
  absl::Status WaitHealthy(const std::vector<std::string>& services, absl::Duration timeout);

  // The versions in `database`'s schema_migrations, sorted. Each row is a
  // version at most once (its primary key): "applied once" is shown by the
  // migrators' own reports, not by this list.
  absl::StatusOr<std::vector<std::string>> AppliedMigrations(const std::string& database);

 private:
  DrillStack(std::unique_ptr<ComposeProject> project, std::map<std::string, int> ports)
      : project_(std::move(project)), ports_(std::move(ports)) {}

  std::unique_ptr<ComposeProject> project_;
  std::map<std::string, int> ports_;  // by variable name
};

// The versions a service's binary embeds (migrations/common + its own, from
// the runfiles), sorted.
absl::StatusOr<std::vector<std::string>> ExpectedMigrations(const std::string& service);

// The last `lines` lines of `text`.
std::string Tail(const std::string& text, int lines = 40);

// Cold podman on 2 cores: PostgreSQL's initdb plus the init script, then
// migrations before SERVING.
inline constexpr absl::Duration kHealthyTimeout = absl::Minutes(4);

// The time since `start`, to 0.1 s ("12.3s"), for figures.
std::string Since(absl::Time start);

// Prints one figure of the drill: "[drill] <what>".
void Figure(const std::string& what);

}  // namespace qs::drill

#endif  // QS_TESTS_DEPLOY_DRILL_STACK_H_
