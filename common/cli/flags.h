// Command lines of the project's tools: `tool [command] --name=value ...`
// (the migrate command, //quest:seed, the load generator).
//
//   constexpr absl::string_view kFlags[] = {"users", "database-url"};
//   absl::StatusOr<qs::cli::Flags> flags = qs::cli::Flags::Parse(argc, argv, kFlags);
//   if (!flags.ok()) return Usage(flags.status());   // "unknown flag --user"
//   if (flags->help()) return Usage();
//   absl::StatusOr<int64_t> users = flags->Int64("users", /*fallback=*/1000, 1);
//   if (!users.ok()) return Usage(users.status());   // "--users must be a whole number"
//
// Every argument is either a positional one (the command), `--name=value`
// with a name from the tool's list, or `--help` / `-h`. A flag given twice
// takes its last value. Errors are INVALID_ARGUMENT with one line naming
// the flag, never echoing its value (a --database-url holds a password).
//
// Why not absl flags: Debian's libabsl ships them, but linking them offline
// means adding its twelve libabsl_flags_* archives by hand, in dependency
// order, to //third_party:absl, and their flags are process-wide globals
// defined per binary. The tools need far less (known names per command,
// typed reads), so a small helper is the decision.
#ifndef QS_COMMON_CLI_FLAGS_H_
#define QS_COMMON_CLI_FLAGS_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace qs::cli {

class Flags {
 public:
  // Reads argv[1..argc). `known` lists the flag names without "--". An
  // unknown `--name`, or a known one without `=value`, is INVALID_ARGUMENT
  // naming it. `--help` or `-h` stops the parse at once with help() true,
  // so a command line asking for help is never an error.
  // `switches` names boolean flags that may also stand bare: `--tls` reads
  // as `--tls=true` (Bool("tls", false) is then true); `--tls=false` still
  // works. A switch need not be repeated in `known`.
  static absl::StatusOr<Flags> Parse(int argc, const char* const* argv,
                                     absl::Span<const absl::string_view> known,
                                     absl::Span<const absl::string_view> switches = {});

  // The arguments that are not flags, in order (e.g. the command).
  const std::vector<std::string>& positional() const { return positional_; }

  // True when --help or -h was given.
  bool help() const { return help_; }

  // True when --name=... was given, even with an empty value.
  bool Has(absl::string_view name) const;

  // The value of --name, or `fallback` when it was not given.
  std::string String(absl::string_view name, absl::string_view fallback = "") const;

  // The value of --name; "--name is required" when missing or empty.
  absl::StatusOr<std::string> RequiredString(absl::string_view name) const;

  // --name as a whole number in [min, max], or `fallback` when not given
  // (the fallback is not range-checked). "--name must be a whole number",
  // "--name must be at least 1", "--name must be between 0 and 10".
  absl::StatusOr<int64_t> Int64(absl::string_view name, int64_t fallback,
                                int64_t min = std::numeric_limits<int64_t>::min(),
                                int64_t max = std::numeric_limits<int64_t>::max()) const;

  // --name as a finite number, or `fallback`; "--name must be a number".
  absl::StatusOr<double> Double(absl::string_view name, double fallback) const;

  // --name as true/false (also yes/no, 1/0, t/f, y/n), or `fallback`;
  // "--name must be true or false".
  absl::StatusOr<bool> Bool(absl::string_view name, bool fallback) const;

 private:
  Flags() = default;

  // nullptr when --name was not given.
  const std::string* Find(absl::string_view name) const;

  std::vector<std::string> positional_;
  std::map<std::string, std::string, std::less<>> values_;
  bool help_ = false;
};

}  // namespace qs::cli

#endif  // QS_COMMON_CLI_FLAGS_H_
