#include "common/grpc/invalid_utf8_capture.h"

#include <mutex>
#include <utility>

#include "absl/strings/strip.h"
#include "google/protobuf/stubs/logging.h"

namespace qs::grpc_util {
namespace {

// The wording of google/protobuf/wire_format_lite.cc (PrintUTF8ErrorLog) in
// protobuf 3.21: "String field" [" '<full field name>'"] " contains invalid
// UTF-8 data when parsing a protocol buffer. ...".
constexpr absl::string_view kPrefix = "String field";
constexpr absl::string_view kParsing = " contains invalid UTF-8 data when parsing ";

google::protobuf::LogHandler* previous_handler = nullptr;

// One call at a time per thread, so one slot per thread is enough.
thread_local bool captured = false;
thread_local std::string captured_field;

void CapturingLogHandler(google::protobuf::LogLevel level, const char* filename, int line,
                         const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_ERROR) {
    if (std::optional<std::string> field = InvalidUtf8FieldInLogLine(message)) {
      captured = true;
      captured_field = *std::move(field);
    }
  }
  if (previous_handler != nullptr) previous_handler(level, filename, line, message);
}

}  // namespace

std::optional<std::string> InvalidUtf8FieldInLogLine(absl::string_view line) {
  if (!absl::ConsumePrefix(&line, kPrefix)) return std::nullopt;
  const size_t parsing = line.find(kParsing);
  if (parsing == absl::string_view::npos) return std::nullopt;
  absl::string_view quoted = line.substr(0, parsing);  // " 'pkg.Msg.field'" or "".
  if (quoted.empty()) return std::string();
  if (!absl::ConsumePrefix(&quoted, " '") || !absl::ConsumeSuffix(&quoted, "'")) {
    return std::nullopt;
  }
  return std::string(quoted);
}

void CaptureInvalidUtf8ParseErrors() {
  static std::once_flag installed;
  std::call_once(installed,
                 [] { previous_handler = google::protobuf::SetLogHandler(&CapturingLogHandler); });
}

std::optional<std::string> TakeInvalidUtf8Field() {
  if (!captured) return std::nullopt;
  captured = false;
  return std::move(captured_field);
}

void ForgetInvalidUtf8Field() {
  if (captured) {
    captured = false;
    captured_field.clear();
  }
}

}  // namespace qs::grpc_util
