// Reading settings from environment variables.
//
// Configuration is read through an `EnvLookup` so that tests can supply a map
// instead of mutating the process environment:
//
//   EnvLookup env = ProcessEnv();
//   absl::StatusOr<int> port = ReadInt(env, "DB_PORT", 5432, 1, 65535);
//
// Every error names the variable and the accepted values, and never echoes a
// value of a variable listed in `IsSecretVariable`.
//
// Secrets are read with ReadSecret, which also takes them from a file named
// by `<NAME>_FILE` (how Kubernetes and Docker mount secrets), so a password
// need not sit in the environment or on a command line:
//
//   absl::StatusOr<std::string> password = ReadSecret(env, "DB_PASSWORD");
#ifndef QS_COMMON_CONFIG_ENV_H_
#define QS_COMMON_CONFIG_ENV_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qs::config {

// Returns the value of a variable, or nullopt when it is unset. An empty
// value counts as unset so that `FOO= ./server` falls back to the default.
using EnvLookup = std::function<std::optional<std::string>(absl::string_view)>;

// Looks variables up in the real process environment.
EnvLookup ProcessEnv();

// Looks variables up in a fixed map (for tests and tools).
EnvLookup MapEnv(std::map<std::string, std::string> values);

// The value of `name`, or `fallback` when unset.
std::string ReadString(const EnvLookup& env, absl::string_view name, absl::string_view fallback);

// A whole decimal number in [min, max]; `fallback` when unset.
absl::StatusOr<int64_t> ReadInt(const EnvLookup& env, absl::string_view name, int64_t fallback,
                                int64_t min, int64_t max);

// A decimal number ("720", "0.5", "1e-3") in [min, max]; `fallback` when
// unset. For settings whose unit is coarse but that tests set small, e.g.
// hours.
absl::StatusOr<double> ReadDecimal(const EnvLookup& env, absl::string_view name, double fallback,
                                   double min, double max);

// "true" or "false" (also "1" / "0"); `fallback` when unset.
absl::StatusOr<bool> ReadBool(const EnvLookup& env, absl::string_view name, bool fallback);

// A duration given in whole milliseconds in [min_ms, max_ms].
absl::StatusOr<absl::Duration> ReadMillis(const EnvLookup& env, absl::string_view name,
                                          int64_t fallback_ms, int64_t min_ms, int64_t max_ms);

// The secret `name`, from the variable itself or from the file named by
// `<name>_FILE` (its contents, one trailing "\n" or "\r\n" removed: what
// `echo` and editors add); `fallback` when neither is set (an empty value or
// file counts as unset). Errors name the variables, and for a file its path
// and the reason, never the contents:
//   "DB_PASSWORD and DB_PASSWORD_FILE: both set, give one"
//   "DB_PASSWORD_FILE: cannot read /run/secrets/db: No such file or directory"
absl::StatusOr<std::string> ReadSecret(const EnvLookup& env, absl::string_view name,
                                       absl::string_view fallback = "");

// True for variables whose values must never be logged or echoed. A
// `*_FILE` variable names a file, not a secret: its path may be shown.
bool IsSecretVariable(absl::string_view name);

}  // namespace qs::config

#endif  // QS_COMMON_CONFIG_ENV_H_
