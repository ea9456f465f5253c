#include "deploy/backup/s3cmd_status.h"

#include <initializer_list>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"

namespace qs::backup {
namespace {

// s3cmd's exit codes (S3/ExitCodes.py).
constexpr int kExitNotFound = 12;
constexpr int kExitServiceUnavailable = 15;
constexpr int kExitAccessDenied = 77;
constexpr int kExitConnectionRefused = 111;
constexpr int kExitCommandNotFound = 127;  // from Run: no s3cmd installed

bool Mentions(const std::string& text, std::initializer_list<absl::string_view> needles) {
  for (absl::string_view needle : needles) {
    if (absl::StrContains(text, needle)) return true;
  }
  return false;
}

}  // namespace

std::optional<int> S3cmdHttpStatus(const std::string& error_output) {
  constexpr absl::string_view kMarker = "S3 error: ";
  const size_t at = absl::string_view(error_output).find(kMarker);
  if (at == absl::string_view::npos) return std::nullopt;
  const absl::string_view rest = absl::string_view(error_output).substr(at + kMarker.size());
  size_t digits = 0;
  while (digits < rest.size() && absl::ascii_isdigit(rest[digits])) ++digits;
  int status = 0;
  if (digits != 3 || !absl::SimpleAtoi(rest.substr(0, digits), &status)) return std::nullopt;
  return status;
}

absl::StatusCode S3cmdFailureCode(const CommandResult& result) {
  const std::string& text = result.error_output;
  const std::optional<int> http = S3cmdHttpStatus(text);
  // A local ENOSPC (a download), or a server out of space (507; MinIO says
  // XMinioStorageFull).
  if (http == 507 || Mentions(text, {"No space left on device", "Disk quota exceeded",
                                     "StorageFull", "QuotaExceeded"})) {
    return absl::StatusCode::kResourceExhausted;
  }
  if (Mentions(text, {"NoSuchBucket"})) return absl::StatusCode::kFailedPrecondition;
  if (http == 403 || result.exit_code == kExitAccessDenied ||
      Mentions(text, {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"})) {
    return absl::StatusCode::kPermissionDenied;
  }
  if (http == 503 || http == 429 || result.exit_code == kExitConnectionRefused ||
      result.exit_code == kExitServiceUnavailable ||
      Mentions(text, {"Connection refused", "Name or service not known",
                      "Temporary failure in name resolution", "timed out", "No route to host",
                      "Network is unreachable", "Connection reset"})) {
    return absl::StatusCode::kUnavailable;
  }
  if (http == 404 || result.exit_code == kExitNotFound ||
      Mentions(text, {"does not exist", "NoSuchKey"})) {
    return absl::StatusCode::kNotFound;
  }
  if (result.exit_code == kExitCommandNotFound) return absl::StatusCode::kFailedPrecondition;
  return absl::StatusCode::kInternal;
}

}  // namespace qs::backup
