#include "tests/deploy/drill_stack.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/migrate/migration_set.h"
#include "tests/deploy/drill_calls.h"
#include "tests/deploy/drill_images.h"
#include "tests/support/service_process.h"
#include "tests/support/test_infra.h"

namespace qs::drill {
namespace {

// No registry is reachable here: the stand-ins deploy/images/build.sh
// --standins builds. The environment may name others (e.g. in CI with a
// registry mirror).
const std::map<std::string, std::string>& DefaultImages() {
  static const auto* images = new std::map<std::string, std::string>{
      {"POSTGRES_IMAGE", "localhost/quest-ecosystem/postgres-standin:15"},
      {"NATS_IMAGE", "localhost/quest-ecosystem/nats-standin:2.9"},
      {"QS_IMAGE_PREFIX", "localhost/quest-ecosystem"},
      {"IMAGE_TAG", "dev"},
  };
  return *images;
}

// KEY=VALUE lines of a dotenv file (comments and blank lines skipped).
std::map<std::string, std::string> ReadDotenv(const std::string& path) {
  std::map<std::string, std::string> values;
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text.front() == '#') continue;
    std::pair<std::string, std::string> entry = absl::StrSplit(text, absl::MaxSplits('=', 1));
    values[entry.first] = entry.second;
  }
  return values;
}

}  // namespace

const std::map<std::string, std::string>& ServicePortVariables() {
  static const auto* variables = new std::map<std::string, std::string>{
      {"quest", "QUEST_PORT"},
      {"quest-2", "QUEST_2_PORT"},
      {"notification", "NOTIFICATION_PORT"},
      {"notification-2", "NOTIFICATION_2_PORT"},
      {"social", "SOCIAL_PORT"},
      {"social-2", "SOCIAL_2_PORT"},
  };
  return *variables;
}

std::string DatabaseOf(const std::string& service) {
  return std::string(absl::StripSuffix(service, "-2")) + "_db";
}

absl::StatusOr<std::unique_ptr<DrillStack>> DrillStack::Create(std::vector<std::string> files) {
  const std::string compose_dir = RepoRoot() + "/deploy/compose";
  std::map<std::string, std::string> env = ReadDotenv(compose_dir + "/.env.example");
  if (env.empty()) return absl::NotFoundError(compose_dir + "/.env.example has no settings");
  for (const auto& [variable, image] : DefaultImages()) {
    const char* given = std::getenv(variable.c_str());
    env[variable] = given != nullptr && *given != '\0' ? given : image;
  }
  // Old images would let the drill pass against other code (review item 2).
  std::vector<std::string> images;
  for (const std::string service : {"quest", "notification", "social"}) {
    images.push_back(absl::StrCat(env["QS_IMAGE_PREFIX"], "/", service, ":", env["IMAGE_TAG"]));
  }
  absl::Status fresh = CheckImagesMatchCheckout(images, RepoRoot());
  if (!fresh.ok()) return fresh;
  std::map<std::string, int> ports;
  std::vector<std::string> port_variables = {"POSTGRES_PORT", "POSTGRES_REPLICA_PORT"};
  for (const auto& [service, variable] : ServicePortVariables()) port_variables.push_back(variable);
  std::set<int> taken;
  for (const std::string& variable : port_variables) {
    int port = 0;
    do port = testing::FreeLoopbackPort();
    while (!taken.insert(port).second);
    ports[variable] = port;
    env[variable] = absl::StrCat(port);
  }
  // podman-compose 1.0.3 reads .env next to the first file and lets it
  // override the environment: a developer's .env naming a port or an image
  // would silently send the drill elsewhere.
  std::vector<std::string> overridden;
  for (const auto& [key, value] : ReadDotenv(compose_dir + "/.env")) {
    auto drill = env.find(key);
    if (drill != env.end() && drill->second != value) overridden.push_back(key);
  }
  if (!overridden.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        compose_dir, "/.env sets ", absl::StrJoin(overridden, ", "),
        " differently from the drill, and podman-compose 1.0.3 lets .env win: move it aside"));
  }
  auto project = std::make_unique<ComposeProject>(UniqueProjectName(), std::move(files), env);
  Figure(absl::StrCat("project ", project->name(), ": ports ",
                      absl::StrJoin(ports, ", ", absl::PairFormatter("="))));
  return std::unique_ptr<DrillStack>(new DrillStack(std::move(project), std::move(ports)));
}

int DrillStack::PortOf(const std::string& service) const {
  return ports_.at(ServicePortVariables().at(service));
}

absl::Status DrillStack::WaitHealthy(const std::vector<std::string>& services,
                                     absl::Duration timeout) {
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + timeout;
  std::set<std::string> waiting(services.begin(), services.end());
  std::map<std::string, std::string> last_seen;
  while (!waiting.empty() && absl::Now() < deadline) {
    for (auto it = waiting.begin(); it != waiting.end();) {
      const std::string& service = *it;
      const std::string container = project_->Container(service);
      std::string seen = container.empty() ? "no container" : project_->HealthStatus(container);
      if (seen == "healthy" && ServicePortVariables().count(service)) {
        // Our own probe, from the host through the published port.
        const std::string probe = testing::CheckHealth(ChannelToPort(PortOf(service)));
        if (probe != "SERVING") seen = "healthy in podman, host probe " + probe;
      }
      if (seen == "healthy") {
        Figure(absl::StrCat(
            service, " healthy after ",
            absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Milliseconds(100)))));
        it = waiting.erase(it);
      } else {
        last_seen[service] = seen;
        ++it;
      }
    }
    if (!waiting.empty()) absl::SleepFor(absl::Milliseconds(500));
  }
  if (waiting.empty()) return absl::OkStatus();
  std::string report;
  for (const std::string& service : waiting) {
    const std::string container = project_->Container(service);
    absl::StrAppend(&report, "\n---- ", service, " (", container, "): ", last_seen[service],
                    ", state ", container.empty() ? "-" : project_->State(container), "\n",
                    container.empty() ? "" : Tail(project_->Logs(container)));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("not healthy within ", absl::FormatDuration(timeout), ":", report));
}

absl::StatusOr<std::vector<std::string>> DrillStack::AppliedMigrations(
    const std::string& database) {
  absl::StatusOr<std::string> rows =
      project_->Psql(database, "SELECT version FROM schema_migrations ORDER BY version");
  if (!rows.ok()) return rows.status();
  std::vector<std::string> applied;
  for (absl::string_view line : absl::StrSplit(*rows, '\n', absl::SkipWhitespace())) {
    applied.emplace_back(absl::StripAsciiWhitespace(line));
  }
  return applied;
}

absl::StatusOr<std::vector<std::string>> ExpectedMigrations(const std::string& service) {
  absl::StatusOr<std::vector<migrate::Migration>> migrations =
      migrate::LoadMigrationDirectories({"migrations/common", "migrations/" + service});
  if (!migrations.ok()) return migrations.status();
  std::vector<std::string> versions;
  for (const migrate::Migration& migration : *migrations) versions.push_back(migration.version);
  return versions;
}

std::string Tail(const std::string& text, int lines) {
  size_t position = text.size();
  while (lines-- > 0 && position > 0) {
    position = text.rfind('\n', position - 1);
    if (position == std::string::npos) return text;
  }
  return text.substr(position + 1);
}

std::string Since(absl::Time start) {
  return absl::FormatDuration(absl::Trunc(absl::Now() - start, absl::Milliseconds(100)));
}

void Figure(const std::string& what) { std::cout << "[drill] " << what << std::endl; }

}  // namespace qs::drill
