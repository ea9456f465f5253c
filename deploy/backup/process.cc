#include "deploy/backup/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "deploy/backup/fd.h"

extern char** environ;

namespace qs::backup {
namespace {

// Standard error is kept to its tail: a tool's last lines say why it failed.
constexpr size_t kErrorTailBytes = 64 * 1024;

std::string Describe(const Command& command) {
  return command.argv.empty() ? std::string("(empty command)") : command.argv[0];
}

// argv[0] resolved against PATH in the parent, so the child only calls
// execve (async-signal-safe) after fork. Not found: the name as given, and
// execve's ENOENT becomes exit code 127 as in a shell.
std::string ResolveProgram(const std::string& name, const std::map<std::string, std::string>& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  if (auto it = env.find("PATH"); it != env.end()) {
    path = it->second;
  } else if (const char* inherited = getenv("PATH"); inherited != nullptr) {
    path = inherited;
  }
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;
}

// The child's environment: ours, with `overrides` added or replaced.
std::vector<std::string> MergedEnvironment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> merged;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    absl::string_view text(*entry);
    const std::string name(text.substr(0, text.find('=')));
    if (overrides.count(name) == 0) merged.emplace_back(text);
  }
  for (const auto& [name, value] : overrides) merged.push_back(absl::StrCat(name, "=", value));
  return merged;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

absl::Status ErrnoError(const std::string& what) {
  const int error = errno;
  return absl::ErrnoToStatus(error, what);
}

absl::StatusOr<std::pair<Fd, Fd>> MakePipe(const std::string& what) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoError(absl::StrCat("pipe for ", what));
  return std::make_pair(Fd(fds[0]), Fd(fds[1]));
}

// One stage prepared in the parent: everything the child needs after fork,
// down to the char* arrays execve takes (building them in the child would
// allocate, which is not async-signal-safe: another thread may hold the
// allocator's lock at fork).
struct PreparedStage {
  std::string program;
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::vector<char*> argv_pointers;  // into argv, null-terminated
  std::vector<char*> env_pointers;   // into env, null-terminated
  Fd stdin_fd;
  Fd stdout_fd;
  Fd stderr_fd;  // write end of the capture pipe
};

// Child side: wire the descriptors and exec. Only async-signal-safe calls.
[[noreturn]] void ExecChild(PreparedStage& stage) {
  // Copies above 2 first: in a parent that had closed its own 0-2, a pipe
  // end may itself be 0, 1 or 2, and a direct dup2 would clobber it.
  const int in = fcntl(stage.stdin_fd.get(), F_DUPFD_CLOEXEC, 3);
  const int out = fcntl(stage.stdout_fd.get(), F_DUPFD_CLOEXEC, 3);
  const int err = fcntl(stage.stderr_fd.get(), F_DUPFD_CLOEXEC, 3);
  if (in < 0 || out < 0 || err < 0) _exit(126);
  dup2(in, STDIN_FILENO);
  dup2(out, STDOUT_FILENO);
  dup2(err, STDERR_FILENO);
  // A parent that ignores SIGPIPE (test runners do) would pass that on:
  // pg_dump must die when age's end of the pipe closes, not spin on EPIPE.
  signal(SIGPIPE, SIG_DFL);
  execve(stage.program.c_str(), stage.argv_pointers.data(), stage.env_pointers.data());
  const int error = errno;
  const char* reason = strerror(error);
  const char prefix[] = "cannot execute ";
  (void)!write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
  (void)!write(STDERR_FILENO, stage.program.data(), stage.program.size());
  (void)!write(STDERR_FILENO, ": ", 2);
  (void)!write(STDERR_FILENO, reason, strlen(reason));
  (void)!write(STDERR_FILENO, "\n", 1);
  _exit(error == ENOENT ? 127 : 126);
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

// Reads every capture pipe to its end at once (a tool blocked on a full
// stderr pipe would otherwise stall the whole pipeline).
void DrainCaptures(std::vector<std::pair<int, std::string*>> sources, std::string* output) {
  std::vector<pollfd> polled;
  std::vector<std::string*> sinks;
  for (auto& [fd, sink] : sources) {
    polled.push_back({fd, POLLIN, 0});
    sinks.push_back(sink);
  }
  size_t open = polled.size();
  char buffer[64 * 1024];
  while (open > 0) {
    if (poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (size_t i = 0; i < polled.size(); ++i) {
      if (polled[i].fd < 0 || polled[i].revents == 0) continue;
      const ssize_t n = read(polled[i].fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        polled[i].fd = -1;
        --open;
        continue;
      }
      std::string& sink = *sinks[i];
      sink.append(buffer, static_cast<size_t>(n));
      if (sinks[i] != output && sink.size() > 2 * kErrorTailBytes) {
        sink.erase(0, sink.size() - kErrorTailBytes);
      }
    }
  }
}

}  // namespace

absl::StatusOr<CommandResult> Run(const Command& command) {
  absl::StatusOr<std::vector<CommandResult>> results = RunPipeline({command});
  if (!results.ok()) return results.status();
  return std::move(results->front());
}

absl::StatusOr<std::vector<CommandResult>> RunPipeline(const std::vector<Command>& stages) {
  if (stages.empty()) return absl::InvalidArgumentError("empty pipeline");
  for (const Command& command : stages) {
    if (command.argv.empty()) return absl::InvalidArgumentError("a command without argv[0]");
  }
  const size_t count = stages.size();
  std::vector<PreparedStage> prepared(count);
  std::vector<Fd> capture_reads;  // [0, count): stderr per stage; [count]: stdout
  std::vector<std::string*> capture_sinks;
  std::vector<CommandResult> results(count);

  // Standard input of the first stage.
  const Command& first = stages.front();
  const std::string input = first.stdin_path.empty() ? "/dev/null" : first.stdin_path;
  Fd input_fd(open(input.c_str(), O_RDONLY | O_CLOEXEC));
  if (input_fd.get() < 0) return ErrnoError(absl::StrCat(Describe(first), ": cannot open ", input));
  prepared[0].stdin_fd = std::move(input_fd);

  // Pipes between stages.
  for (size_t i = 0; i + 1 < count; ++i) {
    auto pipe = MakePipe(Describe(stages[i]));
    if (!pipe.ok()) return pipe.status();
    prepared[i].stdout_fd = std::move(pipe->second);
    prepared[i + 1].stdin_fd = std::move(pipe->first);
  }

  // Standard output of the last stage: a 0600 file, or captured.
  const Command& last = stages.back();
  Fd output_read;
  if (!last.stdout_path.empty()) {
    Fd out(open(last.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (out.get() < 0) {
      return ErrnoError(absl::StrCat(Describe(last), ": cannot create ", last.stdout_path));
    }
    // An existing file keeps its mode under O_CREAT: it may hold plaintext.
    fchmod(out.get(), 0600);
    prepared[count - 1].stdout_fd = std::move(out);
  } else {
    auto pipe = MakePipe(Describe(last));
    if (!pipe.ok()) return pipe.status();
    output_read = std::move(pipe->first);
    prepared[count - 1].stdout_fd = std::move(pipe->second);
  }

  for (size_t i = 0; i < count; ++i) {
    auto pipe = MakePipe(Describe(stages[i]));
    if (!pipe.ok()) return pipe.status();
    capture_reads.push_back(std::move(pipe->first));
    prepared[i].stderr_fd = std::move(pipe->second);
    prepared[i].program = ResolveProgram(stages[i].argv[0], stages[i].env);
    prepared[i].argv = stages[i].argv;
    prepared[i].env = MergedEnvironment(stages[i].env);
    // After the strings are final: the pointers point into them.
    prepared[i].argv_pointers = Pointers(prepared[i].argv);
    prepared[i].env_pointers = Pointers(prepared[i].env);
  }

  std::vector<pid_t> pids;
  for (size_t i = 0; i < count; ++i) {
    const pid_t pid = fork();
    if (pid < 0) {
      const absl::Status error = ErrnoError(absl::StrCat("fork for ", Describe(stages[i])));
      for (pid_t started : pids) {
        kill(started, SIGKILL);
        waitpid(started, nullptr, 0);
      }
      return error;
    }
    if (pid == 0) ExecChild(prepared[i]);
    pids.push_back(pid);
    // The parent keeps only the read ends of its captures: the pipes reach
    // EOF when the children exit.
    prepared[i].stdin_fd.Reset();
    prepared[i].stdout_fd.Reset();
    prepared[i].stderr_fd.Reset();
  }

  std::vector<std::pair<int, std::string*>> sources;
  for (size_t i = 0; i < count; ++i) {
    sources.emplace_back(capture_reads[i].get(), &results[i].error_output);
  }
  std::string* output = &results.back().output;
  if (output_read.get() >= 0) sources.emplace_back(output_read.get(), output);
  DrainCaptures(sources, output);

  for (size_t i = 0; i < count; ++i) {
    int wait_status = 0;
    while (waitpid(pids[i], &wait_status, 0) < 0 && errno == EINTR) {
    }
    results[i].exit_code = ExitCodeOf(wait_status);
    std::string& tail = results[i].error_output;
    if (tail.size() > kErrorTailBytes) tail.erase(0, tail.size() - kErrorTailBytes);
  }
  return results;
}

}  // namespace qs::backup
