#include "deploy/backup/tool_errors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace qs::backup {
namespace {

// Enough of standard error for the cause, short enough for one log line.
constexpr size_t kMessageTail = 1500;

constexpr int kKilledBySigpipe = 128 + 13;

}  // namespace

bool SaysDiskFull(absl::string_view error_output) {
  return absl::StrContains(absl::AsciiStrToLower(error_output), "no space left on device");
}

absl::Status ToolFailure(absl::string_view what, const CommandResult& result,
                         absl::string_view object) {
  absl::string_view error = absl::StripTrailingAsciiWhitespace(result.error_output);
  if (error.size() > kMessageTail) error = error.substr(error.size() - kMessageTail);
  const std::string message =
      absl::StrCat(what, " failed (exit ", result.exit_code, ") on ", object, ": ", error);
  if (result.exit_code == 127) return absl::NotFoundError(message);
  if (SaysDiskFull(error)) return absl::ResourceExhaustedError(message);
  if (absl::StrContains(error, "could not connect") ||
      absl::StrContains(error, "Connection refused")) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

absl::Status PipelineFailure(const std::vector<std::string>& names,
                             const std::vector<CommandResult>& results, absl::string_view object) {
  if (names.size() != results.size()) {
    return absl::InternalError(absl::StrCat(object, ": pipeline: ", results.size(), " results for ",
                                            names.size(), " stages"));
  }
  int first_failed = -1;
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].exit_code == 0) continue;
    if (first_failed < 0) first_failed = static_cast<int>(i);
    // Not a broken pipe: this stage's own reason is the cause.
    if (results[i].exit_code != kKilledBySigpipe) return ToolFailure(names[i], results[i], object);
  }
  if (first_failed < 0) return absl::OkStatus();
  return ToolFailure(names[first_failed], results[first_failed], object);
}

}  // namespace qs::backup
