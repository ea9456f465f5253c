#include "tests/deploy/drill_compose.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "deploy/backup/process.h"

namespace qs::drill {
namespace {

std::string ContainersConf() { return RepoRoot() + "/deploy/containers/containers.conf"; }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    lines.emplace_back(absl::StripAsciiWhitespace(line));
  }
  return lines;
}

absl::StatusOr<std::string> RunTool(std::vector<std::string> argv,
                                    std::map<std::string, std::string> env) {
  env["CONTAINERS_CONF"] = ContainersConf();
  const std::string shown = absl::StrJoin(argv, " ");
  absl::StatusOr<backup::CommandResult> result =
      backup::Run({.argv = std::move(argv), .env = std::move(env)});
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::InternalError(absl::StrCat(shown, " exited ", result->exit_code, ": ",
                                            result->error_output, result->output));
  }
  return result->output;
}

}  // namespace

const std::string& RepoRoot() {
  static const std::string* root = [] {
    const char* value = std::getenv("QS_REPO");
    if (value == nullptr || *value == '\0') {
      std::fprintf(stderr,
                   "FATAL: QS_REPO is not set: the drill needs the repository checkout "
                   "(tests/deploy/run_drill.sh passes it)\n");
      std::exit(1);
    }
    return new std::string(value);
  }();
  return *root;
}

absl::StatusOr<std::string> Podman(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"podman"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunTool(std::move(argv), {});
}

std::string ProjectObjects::Describe() const {
  return absl::StrCat("containers [", absl::StrJoin(containers, " "), "], pods [",
                      absl::StrJoin(pods, " "), "], networks [", absl::StrJoin(networks, " "),
                      "], volumes [", absl::StrJoin(volumes, " "), "]");
}

ComposeProject::ComposeProject(std::string name, std::vector<std::string> files,
                               std::map<std::string, std::string> env)
    : name_(std::move(name)), files_(std::move(files)), env_(std::move(env)) {}

ComposeProject::~ComposeProject() {
  if (!down_) Down();
}

absl::StatusOr<std::string> ComposeProject::Compose(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"podman-compose", "-p", name_};
  for (const std::string& file : files_) {
    argv.push_back("-f");
    argv.push_back(RepoRoot() + "/deploy/compose/" + file);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return RunTool(std::move(argv), env_);
}

absl::Status ComposeProject::Up(const std::vector<std::string>& services) {
  std::vector<std::string> args = {"up", "-d"};
  args.insert(args.end(), services.begin(), services.end());
  return Compose(args).status();
}

absl::Status ComposeProject::Create(const std::vector<std::string>& services) {
  std::vector<std::string> args = {"up", "--no-start"};
  args.insert(args.end(), services.begin(), services.end());
  // podman-compose also tries to create the dependencies, which exist
  // already; that part fails and is of no concern as long as the services'
  // own containers exist. Its errors are shown all the same: when one of
  // those is missing, they say why.
  absl::StatusOr<std::string> created = Compose(args);
  if (!created.ok()) {
    std::cerr << "podman-compose up --no-start (errors about existing dependencies are "
                 "expected): "
              << created.status() << "\n";
  }
  for (const std::string& service : services) {
    if (Container(service).empty()) {
      return absl::InternalError(
          absl::StrCat("no container was created for ", service,
                       created.ok() ? "" : absl::StrCat(": ", created.status().ToString())));
    }
  }
  return absl::OkStatus();
}

ProjectObjects ComposeProject::Down() {
  down_ = true;
  absl::StatusOr<std::string> down = Compose({"down", "-v"});
  if (!down.ok()) std::cerr << "podman-compose down: " << down.status() << "\n";
  ProjectObjects left = Objects();
  for (const std::string& network : left.networks) (void)Podman({"network", "rm", "-f", network});
  // A container podman-compose did not know of (a failed start) or a volume
  // it could not remove (in use then): removed here, so nothing lingers.
  for (const std::string& container : left.containers) {
    (void)Podman({"rm", "-f", "-t", "0", container});
  }
  for (const std::string& pod : left.pods) (void)Podman({"pod", "rm", "-f", pod});
  for (const std::string& volume : left.volumes) (void)Podman({"volume", "rm", "-f", volume});
  return left;
}

std::string ComposeProject::Container(const std::string& service) const {
  absl::StatusOr<std::string> names =
      Podman({"ps", "-a", "--filter", "label=io.podman.compose.project=" + name_, "--filter",
              "label=com.docker.compose.service=" + service, "--format", "{{.Names}}"});
  if (!names.ok()) return "";
  std::vector<std::string> found = Lines(*names);
  return found.empty() ? "" : found.front();
}

std::string ComposeProject::HealthStatus(const std::string& container) const {
  (void)Podman({"healthcheck", "run", container});
  absl::StatusOr<std::string> status =
      Podman({"inspect", "--format", "{{.State.Health.Status}}", container});
  if (!status.ok()) return std::string(status.status().message());
  return std::string(absl::StripAsciiWhitespace(*status));
}

std::string ComposeProject::State(const std::string& container) const {
  absl::StatusOr<std::string> state =
      Podman({"inspect", "--format", "{{.State.Status}}", container});
  return state.ok() ? std::string(absl::StripAsciiWhitespace(*state))
                    : std::string(state.status().message());
}

absl::StatusOr<int> ComposeProject::ExitCode(const std::string& container) const {
  absl::StatusOr<std::string> code =
      Podman({"inspect", "--format", "{{.State.ExitCode}}", container});
  if (!code.ok()) return code.status();
  return std::atoi(std::string(absl::StripAsciiWhitespace(*code)).c_str());
}

std::string ComposeProject::Logs(const std::string& container) const {
  // Through a shell so that both streams arrive as one, whole: the server
  // logs to stderr, of which Run keeps only the tail.
  absl::StatusOr<std::string> logs =
      RunTool({"sh", "-c", "exec podman logs \"$1\" 2>&1", "sh", container}, {});
  return logs.ok() ? *logs : std::string(logs.status().message());
}

absl::StatusOr<std::string> ComposeProject::Psql(const std::string& database,
                                                 const std::string& sql) const {
  const std::string postgres = Container("postgres");
  if (postgres.empty()) return absl::NotFoundError("the project has no postgres container");
  // The superuser and its password are the container's own settings
  // (POSTGRES_USER / POSTGRES_PASSWORD of the compose file).
  return Podman({"exec", postgres, "sh", "-c",
                 "PGPASSWORD=\"${POSTGRES_PASSWORD:-}\" psql -X -v ON_ERROR_STOP=1 -h 127.0.0.1 "
                 "-U \"${POSTGRES_USER:-postgres}\" -d \"$1\" -At -c \"$2\"",
                 "sh", database, sql});
}

absl::StatusOr<std::string> ComposeProject::Fetch(const std::string& container,
                                                  const std::string& url) const {
  return Podman({"exec", container, "wget", "-q", "-T", "5", "-O-", url});
}

ProjectObjects ComposeProject::Objects() const {
  const std::string label = "label=io.podman.compose.project=" + name_;
  auto list = [](absl::StatusOr<std::string> listed) {
    return listed.ok() ? Lines(*listed)
                       : std::vector<std::string>{"(" + listed.status().ToString() + ")"};
  };
  ProjectObjects objects;
  objects.containers = list(Podman({"ps", "-a", "--filter", label, "--format", "{{.Names}}"}));
  objects.pods = list(Podman({"pod", "ps", "--filter", label, "--format", "{{.Name}}"}));
  objects.networks = list(Podman({"network", "ls", "--filter", label, "--format", "{{.Name}}"}));
  objects.volumes = list(Podman({"volume", "ls", "--filter", label, "--format", "{{.Name}}"}));
  return objects;
}

absl::StatusOr<std::string> ImageLabel(const std::string& image, const std::string& label) {
  absl::StatusOr<std::string> exists = Podman({"image", "exists", image});
  if (!exists.ok()) return absl::NotFoundError(absl::StrCat("podman has no image ", image));
  absl::StatusOr<std::string> value = Podman(
      {"image", "inspect", "--format", absl::StrCat("{{index .Labels \"", label, "\"}}"), image});
  if (!value.ok()) return value.status();
  std::string text(absl::StripAsciiWhitespace(*value));
  // Go templates print a missing map key as "<no value>".
  return text == "<no value>" ? "" : text;
}

std::string UniqueProjectName() {
  std::random_device random;
  return absl::StrCat("qsdrill", absl::Hex(static_cast<uint32_t>(random()), absl::kZeroPad8));
}

}  // namespace qs::drill
