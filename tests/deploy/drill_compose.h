// One podman-compose project of the compose drill: the stack of
// deploy/compose/ brought up under a project name of its own, its containers
// found by their compose labels, and everything it created removed again.
//
//   ComposeProject stack("qsdrill1a2b3c", {"docker-compose.yml"}, {{"QUEST_PORT", "20451"}});
//   ASSERT_TRUE(stack.Up().ok());
//   std::string postgres = stack.Container("postgres");
//   absl::StatusOr<std::string> rows = stack.Psql("quest_db", "SELECT version FROM ...");
//   stack.Down();   // also run by the destructor: a failing case leaves nothing running
//
// Every podman command gets CONTAINERS_CONF = the repository's
// deploy/containers/containers.conf (runc, cgroupfs: BUILD-NOTES "Containers").
#ifndef QS_TESTS_DEPLOY_DRILL_COMPOSE_H_
#define QS_TESTS_DEPLOY_DRILL_COMPOSE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace qs::drill {

// The repository checkout the images and compose files come from
// ($QS_REPO; the process exits 1 naming it when unset).
const std::string& RepoRoot();

// Runs podman with the repository's CONTAINERS_CONF; its standard output,
// or an error with the exit code and standard error.
absl::StatusOr<std::string> Podman(const std::vector<std::string>& args);

// What of a project podman still has, by the label io.podman.compose.project.
struct ProjectObjects {
  std::vector<std::string> containers;
  std::vector<std::string> pods;
  std::vector<std::string> networks;
  std::vector<std::string> volumes;

  bool empty() const {
    return containers.empty() && pods.empty() && networks.empty() && volumes.empty();
  }
  std::string Describe() const;
};

class ComposeProject {
 public:
  // `files` are names inside deploy/compose/, in override order; `env` is
  // added to podman-compose's environment (ports, image names).
  ComposeProject(std::string name, std::vector<std::string> files,
                 std::map<std::string, std::string> env);
  // Down() unless it ran already.
  ~ComposeProject();
  ComposeProject(const ComposeProject&) = delete;
  ComposeProject& operator=(const ComposeProject&) = delete;

  const std::string& name() const { return name_; }

  // `podman-compose up -d` of `services` (all when empty) and what they
  // depend on.
  absl::Status Up(const std::vector<std::string>& services = {});
  // `podman-compose up --no-start`: the containers exist, none starts.
  absl::Status Create(const std::vector<std::string>& services);
  // `podman-compose down -v`, then removes the project's networks, which
  // podman-compose 1.0.3's down leaves behind. Returns what was left after
  // `down -v` itself (before the networks were removed).
  ProjectObjects Down();

  // The container of compose service `service` (instance 1), "" when none.
  std::string Container(const std::string& service) const;

  // Runs the container's health check once (`podman healthcheck run`), so
  // that its status moves without systemd timers, and returns the status
  // podman records: "healthy", "unhealthy", "starting", or the error.
  std::string HealthStatus(const std::string& container) const;
  // State.Status ("running", "exited", ...) and State.ExitCode.
  std::string State(const std::string& container) const;
  absl::StatusOr<int> ExitCode(const std::string& container) const;
  // Everything the container wrote (podman logs, stdout and stderr).
  std::string Logs(const std::string& container) const;

  // Runs `sql` in `database` through psql inside the postgres service's
  // container as its superuser; rows as psql -At prints them.
  absl::StatusOr<std::string> Psql(const std::string& database, const std::string& sql) const;

  // An HTTP GET of `url` through wget inside `container` (the NATS image
  // has wget; the service images have no HTTP client), in that
  // container's network namespace: 127.0.0.1 is the container itself and
  // compose service names resolve. The body, or the error.
  absl::StatusOr<std::string> Fetch(const std::string& container, const std::string& url) const;

  ProjectObjects Objects() const;

 private:
  absl::StatusOr<std::string> Compose(const std::vector<std::string>& args) const;

  std::string name_;
  std::vector<std::string> files_;
  std::map<std::string, std::string> env_;
  bool down_ = false;
};

// The value of label `label` of local image `image`, "" when the image
// has no such label; NOT_FOUND when podman has no such image.
absl::StatusOr<std::string> ImageLabel(const std::string& image, const std::string& label);

// "qsdrill" + random lower-case hex: a project name no other run uses
// (tests/deploy/cleanup_drill_projects.sh removes projects by this prefix).
std::string UniqueProjectName();

}  // namespace qs::drill

#endif  // QS_TESTS_DEPLOY_DRILL_COMPOSE_H_
