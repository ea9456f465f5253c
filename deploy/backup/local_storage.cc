#include "deploy/backup/local_storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"
#include "deploy/backup/fd.h"
#include "deploy/backup/object_key.h"

namespace qs::backup {
namespace {

// The storage contract's codes for what the file system says.
absl::StatusCode CodeOf(int error) {
  switch (error) {
    case ENOENT:
      return absl::StatusCode::kNotFound;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return absl::StatusCode::kResourceExhausted;
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::StatusCode::kPermissionDenied;
    case EIO:
    case ESTALE:
    case ENOTCONN:
    case EHOSTDOWN:
    case EHOSTUNREACH:
    case ETIMEDOUT:
      return absl::StatusCode::kUnavailable;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::Status FileError(int error, const std::string& what) {
  return absl::Status(CodeOf(error), absl::StrCat(what, ": ", strerror(error)));
}

// Copies all of `from` to `to`; the errno of the failed call, or 0.
int CopyAll(int from, int to) {
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = read(from, buffer, sizeof(buffer));
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    for (ssize_t written = 0; written < n;) {
      const ssize_t w = write(to, buffer + written, static_cast<size_t>(n - written));
      if (w < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      written += w;
    }
  }
}

std::string ParentOf(const std::string& path) { return path.substr(0, path.rfind('/')); }

void SyncDirectory(const std::string& directory) {
  Fd fd(open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) fsync(fd.get());
}

// UNAVAILABLE naming `what` unless `root` is an existing directory.
absl::Status CheckDirectory(const std::string& root, const std::string& what) {
  struct stat info;
  if (stat(root.c_str(), &info) != 0) {
    const int error = errno;
    return absl::UnavailableError(
        absl::StrCat(what, ": backup directory ", root,
                     " cannot be reached (is the share mounted?): ", strerror(error)));
  }
  if (!S_ISDIR(info.st_mode)) {
    return absl::UnavailableError(
        absl::StrCat(what, ": backup target ", root, " is not a directory"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InitLocalTarget(const std::string& root) {
  QS_RETURN_IF_ERROR(CheckDirectory(root, kTargetMarker));
  const std::string marker = absl::StrCat(root, "/", kTargetMarker);
  const std::string what = absl::StrCat("writing ", marker);
  Fd fd(open(marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    const int error = errno;
    return FileError(error, what);
  }
  constexpr absl::string_view kText =
      "A backup target of the quest ecosystem's `backup` tool (backup init-target).\n"
      "Backups are refused where this file is missing: an unmounted share.\n";
  if (write(fd.get(), kText.data(), kText.size()) != static_cast<ssize_t>(kText.size()) ||
      fsync(fd.get()) != 0 || fd.Close() != 0) {
    const int error = errno;
    unlink(marker.c_str());
    return FileError(error, what);
  }
  SyncDirectory(root);
  return absl::OkStatus();
}

absl::Status LocalStorage::CheckRoot(const std::string& key) const {
  QS_RETURN_IF_ERROR(CheckDirectory(root_, key));
  const std::string marker = absl::StrCat(root_, "/", kTargetMarker);
  if (access(marker.c_str(), F_OK) != 0) {
    const int error = errno;
    return absl::UnavailableError(absl::StrCat(
        key, ": ", root_, " is not a prepared backup target (", marker, ": ", strerror(error),
        "): is the share mounted? A new target is prepared once with `backup init-target`"));
  }
  return absl::OkStatus();
}

absl::Status LocalStorage::Put(const std::string& local_path, const std::string& key) {
  QS_RETURN_IF_ERROR(CheckObjectKey(key, root_));
  QS_RETURN_IF_ERROR(CheckRoot(key));
  const std::string path = PathOf(key);
  const std::string what = absl::StrCat("storing ", key, " in ", root_);
  Fd source(open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (source.get() < 0) {
    const int error = errno;
    return FileError(error, absl::StrCat(what, ": reading ", local_path));
  }

  std::error_code created;
  std::filesystem::create_directories(ParentOf(path), created);
  if (created) return FileError(created.value(), absl::StrCat(what, ": creating its directory"));

  // mkstemp's 0600 stays the object's mode: backups are for the operator.
  const size_t slash = path.rfind('/');
  std::string partial =
      absl::StrCat(path.substr(0, slash + 1), ".", path.substr(slash + 1), ".partial-XXXXXX");
  Fd target(mkstemp(partial.data()));
  if (target.get() < 0) {
    const int error = errno;
    return FileError(error, what);
  }
  int error = CopyAll(source.get(), target.get());
  if (error == 0 && fsync(target.get()) != 0) error = errno;
  if (target.Close() != 0 && error == 0) error = errno;
  if (error == 0 && rename(partial.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    unlink(partial.c_str());
    return FileError(error, what);
  }
  // The rename itself must survive a crash before the manifest is written.
  SyncDirectory(ParentOf(path));
  return absl::OkStatus();
}

absl::Status LocalStorage::Get(const std::string& key, const std::string& local_path) {
  QS_RETURN_IF_ERROR(CheckObjectKey(key, root_));
  QS_RETURN_IF_ERROR(CheckRoot(key));
  Fd source(open(PathOf(key).c_str(), O_RDONLY | O_CLOEXEC));
  if (source.get() < 0) {
    const int error = errno;
    if (error == ENOENT) {
      return absl::NotFoundError(absl::StrCat("no object ", key, " in ", root_));
    }
    return FileError(error, absl::StrCat("reading ", key, " from ", root_));
  }
  const std::string what = absl::StrCat("reading ", key, " from ", root_, " into ", local_path);
  Fd target(open(local_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (target.get() < 0) {
    const int error = errno;
    return FileError(error, what);
  }
  int error = CopyAll(source.get(), target.get());
  if (target.Close() != 0 && error == 0) error = errno;
  if (error != 0) {
    unlink(local_path.c_str());
    return FileError(error, what);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredObject>> LocalStorage::ListObjects(const std::string& prefix) {
  QS_RETURN_IF_ERROR(CheckRoot(prefix.empty() ? "(all keys)" : prefix));
  std::vector<StoredObject> objects;
  std::error_code error;
  const std::filesystem::path root(root_);
  for (auto it = std::filesystem::recursive_directory_iterator(root, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file()) continue;
    // A partial Put, or the marker.
    if (absl::StartsWith(it->path().filename().string(), ".")) continue;
    std::string key = it->path().lexically_relative(root).string();
    if (!absl::StartsWith(key, prefix)) continue;
    std::error_code size_error;
    const uintmax_t size = it->file_size(size_error);
    if (size_error) continue;  // removed since listed (a concurrent prune)
    objects.push_back({std::move(key), static_cast<int64_t>(size)});
  }
  if (error) return FileError(error.value(), absl::StrCat("listing ", root_));
  std::sort(objects.begin(), objects.end(),
            [](const StoredObject& a, const StoredObject& b) { return a.key < b.key; });
  return objects;
}

absl::Status LocalStorage::Delete(const std::string& key) {
  QS_RETURN_IF_ERROR(CheckObjectKey(key, root_));
  QS_RETURN_IF_ERROR(CheckRoot(key));
  if (unlink(PathOf(key).c_str()) != 0) {
    const int error = errno;
    if (error != ENOENT) return FileError(error, absl::StrCat("deleting ", key, " from ", root_));
  }
  return absl::OkStatus();
}

}  // namespace qs::backup
