#include "common/config/env.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace qs::config {
namespace {

// The bytes of `path`; the error is strerror's text (a directory: "Is a
// directory"). POSIX calls, so that errno is the reason.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(std::strerror(errno));
  std::string contents;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      close(fd);
      return absl::UnavailableError(std::strerror(error));
    }
    contents.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return contents;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](absl::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

EnvLookup MapEnv(std::map<std::string, std::string> values) {
  return [values = std::move(values)](absl::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

std::string ReadString(const EnvLookup& env, absl::string_view name, absl::string_view fallback) {
  std::optional<std::string> value = env(name);
  return value ? *value : std::string(fallback);
}

absl::StatusOr<int64_t> ReadInt(const EnvLookup& env, absl::string_view name, int64_t fallback,
                                int64_t min, int64_t max) {
  std::optional<std::string> value = env(name);
  if (!value) return fallback;
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(*value, &parsed)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": expected a whole number, got \"", *value, "\""));
  }
  if (parsed < min || parsed > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": must be between ", min, " and ", max, ", got ", parsed));
  }
  return parsed;
}

absl::StatusOr<bool> ReadBool(const EnvLookup& env, absl::string_view name, bool fallback) {
  std::optional<std::string> value = env(name);
  if (!value) return fallback;
  if (*value == "true" || *value == "1") return true;
  if (*value == "false" || *value == "0") return false;
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": expected true or false, got \"", *value, "\""));
}

absl::StatusOr<double> ReadDecimal(const EnvLookup& env, absl::string_view name, double fallback,
                                   double min, double max) {
  std::optional<std::string> value = env(name);
  if (!value) return fallback;
  double parsed = 0;
  if (!absl::SimpleAtod(*value, &parsed) || !std::isfinite(parsed)) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": expected a decimal number, got \"", *value, "\""));
  }
  if (parsed < min || parsed > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": must be between ", min, " and ", max, ", got ", parsed));
  }
  return parsed;
}

absl::StatusOr<absl::Duration> ReadMillis(const EnvLookup& env, absl::string_view name,
                                          int64_t fallback_ms, int64_t min_ms, int64_t max_ms) {
  absl::StatusOr<int64_t> ms = ReadInt(env, name, fallback_ms, min_ms, max_ms);
  if (!ms.ok()) return ms.status();
  return absl::Milliseconds(*ms);
}

absl::StatusOr<std::string> ReadSecret(const EnvLookup& env, absl::string_view name,
                                       absl::string_view fallback) {
  const std::string file_variable = absl::StrCat(name, "_FILE");
  std::optional<std::string> value = env(name);
  std::optional<std::string> path = env(file_variable);
  if (value && path) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " and ", file_variable, ": both set, give one"));
  }
  if (!path) return value ? *value : std::string(fallback);
  absl::StatusOr<std::string> contents = ReadWholeFile(*path);
  if (!contents.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_variable, ": cannot read ", *path, ": ", contents.status().message()));
  }
  std::string secret = *std::move(contents);
  if (absl::EndsWith(secret, "\r\n")) {
    secret.resize(secret.size() - 2);
  } else if (absl::EndsWith(secret, "\n")) {
    secret.pop_back();
  }
  return secret.empty() ? std::string(fallback) : secret;
}

bool IsSecretVariable(absl::string_view name) {
  // DB_PASSWORD_FILE, APNS_KEY_FILE, ...: a path, which errors name.
  if (absl::EndsWith(name, "_FILE")) return false;
  return absl::StrContains(name, "PASSWORD") || absl::StrContains(name, "SECRET") ||
         absl::StrContains(name, "_KEY") || name == "PRIVACY_ADMIN_TOKEN" ||
         name == "MIGRATE_ADMIN_URL";
}

}  // namespace qs::config
