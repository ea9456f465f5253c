#include "tests/notification/delivery/fake_push_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "notification/delivery/json_object.h"

namespace qs::notification::delivery::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

std::unique_ptr<FakePushServer> FakePushServer::Start(const std::string& script,
                                                      const std::vector<std::string>& args) {
  static std::atomic<int> counter{0};
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/fake-push-", getpid(), "-", counter++);
  mkdir(dir.c_str(), 0700);
  std::vector<std::string> argv = {"/usr/bin/python3", "-B", script, "--state-dir", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    int log = open((dir + "/stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(log, STDERR_FILENO);
    std::vector<char*> raw;
    for (std::string& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);
    execv(raw[0], raw.data());
    _exit(127);
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    std::string ready = ReadFile(dir + "/ready.json");
    if (!ready.empty()) {
      absl::StatusOr<google::protobuf::Struct> parsed = ParseJsonObject(ready);
      if (parsed.ok()) {
        return std::unique_ptr<FakePushServer>(new FakePushServer(pid, dir, *parsed));
      }
    }
    if (waitpid(pid, nullptr, WNOHANG) == pid) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::cerr << "fake push server " << script << " did not start:\n"
            << ReadFile(dir + "/stderr.log") << std::endl;
  kill(pid, SIGKILL);
  std::abort();
}

FakePushServer::FakePushServer(pid_t pid, std::string dir, google::protobuf::Struct ready)
    : pid_(pid), dir_(std::move(dir)), ready_(std::move(ready)), control_(HttpClientSettings{}) {}

FakePushServer::~FakePushServer() {
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
}

int FakePushServer::Port(const std::string& name) const {
  return static_cast<int>(NumberField(ready_, name).value_or(0));
}

std::string FakePushServer::File(const std::string& name) const {
  std::string path = StringField(ready_, name).value_or("");
  return path.empty() || path[0] == '/' ? path : absl::StrCat(dir_, "/", path);
}

std::string FakePushServer::Url(const std::string& port_name) const {
  return absl::StrCat("https://127.0.0.1:", Port(port_name));
}

std::string FakePushServer::Control(const std::string& method, const std::string& path,
                                    const std::string& body) {
  HttpRequest request{absl::StrCat("http://127.0.0.1:", Port("control_port"), path),
                      {"Content-Type: application/json"},
                      body,
                      method};
  absl::StatusOr<HttpAnswer> answer = control_.Send(request);
  if (!answer.ok() || answer->status != 200) {
    std::cerr << "control " << path << " failed: "
              << (answer.ok() ? absl::StrCat("HTTP ", answer->status) : answer.status().ToString())
              << "\n"
              << Log() << std::endl;
    std::abort();
  }
  return answer->body;
}

void FakePushServer::Script(const std::string& route, const std::string& answers_json) {
  Control("POST", "/script",
          absl::StrCat(R"({"route": ")", route, R"(", "answers": )", answers_json, "}"));
}

void FakePushServer::Configure(const std::string& config_json) {
  Control("POST", "/config", config_json);
}

void FakePushServer::Reset() { Control("POST", "/reset", "{}"); }

std::vector<google::protobuf::Struct> FakePushServer::Requests() {
  google::protobuf::Struct state = *ParseJsonObject(Control("GET", "/requests", ""));
  std::vector<google::protobuf::Struct> requests;
  if (const google::protobuf::ListValue* list = ListField(state, "requests")) {
    for (const google::protobuf::Value& value : list->values()) {
      requests.push_back(value.struct_value());
    }
  }
  return requests;
}

int FakePushServer::Counter(const std::string& name) {
  google::protobuf::Struct state = *ParseJsonObject(Control("GET", "/requests", ""));
  const google::protobuf::Struct* counters = ObjectField(state, "counters");
  return counters == nullptr ? 0 : static_cast<int>(NumberField(*counters, name).value_or(0));
}

std::string FakePushServer::Log() const { return ReadFile(dir_ + "/stderr.log"); }

}  // namespace qs::notification::delivery::testing
