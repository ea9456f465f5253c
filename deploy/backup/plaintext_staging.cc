#include "deploy/backup/plaintext_staging.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace qs::backup {
namespace {

constexpr int kTerminationSignals[] = {SIGINT, SIGTERM, SIGHUP};

// What the handler removes: fixed buffers, filled before the handlers are
// installed, because a handler may only make async-signal-safe calls.
char g_plain_path[4096];
struct sigaction g_previous[3];

void RemovePlaintextAndDie(int signal) {
  unlink(g_plain_path);
  // The rest of the directory (the encrypted copy, the lock) holds no
  // plaintext; the next run removes it as a dead run's.
  struct sigaction fallback = {};
  fallback.sa_handler = SIG_DFL;
  sigaction(signal, &fallback, nullptr);
  raise(signal);
}

// A directory of ours whose lock nobody holds: its run is gone.
void RemoveDeadRuns(const std::string& parent) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(parent, error)) {
    const std::string lock = (entry.path() / PlaintextStaging::kLockFile).string();
    if (!absl::StartsWith(entry.path().filename().string(), "qs-backup-")) continue;
    const int fd = open(lock.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // not a restore's, or still being set up
    const bool dead = flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    if (dead) std::filesystem::remove_all(entry.path(), error);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<PlaintextStaging>> PlaintextStaging::Create(
    const std::string& parent) {
  RemoveDeadRuns(parent);
  absl::StatusOr<ScratchDir> dir = ScratchDir::Create(parent);
  if (!dir.ok()) return dir.status();
  // Locked before it gets its name, so a run that looks never sees our
  // lock file unheld.
  const std::string unnamed = dir->Path("lock.tmp");
  const int fd = open(unnamed.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || flock(fd, LOCK_EX) != 0 || rename(unnamed.c_str(), dir->Path(kLockFile).c_str())) {
    const int error = errno;
    if (fd >= 0) close(fd);
    return absl::ErrnoToStatus(error, absl::StrCat(dir->path(), ": cannot lock it"));
  }
  std::unique_ptr<PlaintextStaging> staging(new PlaintextStaging(*std::move(dir), fd));
  const std::string plain = staging->plain_path();
  if (plain.size() >= sizeof(g_plain_path)) {
    return absl::InvalidArgumentError(absl::StrCat(parent, ": staging path too long"));
  }
  std::strncpy(g_plain_path, plain.c_str(), sizeof(g_plain_path));
  struct sigaction handler = {};
  handler.sa_handler = RemovePlaintextAndDie;
  sigemptyset(&handler.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kTerminationSignals[i], &handler, &g_previous[i]);
  return staging;
}

PlaintextStaging::~PlaintextStaging() {
  for (int i = 0; i < 3; ++i) sigaction(kTerminationSignals[i], &g_previous[i], nullptr);
  close(lock_fd_);
  // dir_ removes the directory and everything in it.
}

}  // namespace qs::backup
