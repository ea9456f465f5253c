// The process-wide log of a service: one line per event, UTC timestamps, on
// stderr; LOG_FORMAT picks the shape of a line:
//   text (default): 2026-12-02T00:25:39.123Z level=info service=quest <message>
//   json: {"time":"2026-12-02T00:25:39.123Z","level":"info","service":"quest",
//          "message":"<message>"}, and the call log's line as an object of its
//          own fields (common/grpc/call_log.h).
//
//   absl::StatusOr<LogFormat> format = ParseLogFormat(getenv("LOG_FORMAT"));
//   SetUpLogging("quest", format.ok() ? *format : LogFormat::kText);
//   ...
//   FlushLogging();              // before the process exits
//
// Asynchronous: a logging thread writes the lines, so a call never waits
// for stderr. With the call log (one line per RPC) every call writes a
// line; written synchronously under the logger's mutex, one write(2) that
// blocks (the disk busy with PostgreSQL's writes, a full pipe) held every
// call in flight for as long. The queue holds 8,192 lines; when it is full
// the oldest line waiting is dropped rather than making a call wait. The call
// log's OK lines go through their own logger, kCallLoggerName, which writes
// them in batches (within a second); common/grpc/call_log.cc uses it when it
// exists.
#ifndef QS_COMMON_SERVICE_LOGGING_H_
#define QS_COMMON_SERVICE_LOGGING_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace qs::service {

inline constexpr char kCallLoggerName[] = "calls";
// The call log's lines of failed calls: written at once like any other
// line, through a logger of their own so that in JSON their fields become
// the object's (call_log.cc names it too).
inline constexpr char kCallErrorLoggerName[] = "call_errors";

enum class LogFormat { kText, kJson };

// LOG_FORMAT: unset or empty = text; "text" or "json", else
// INVALID_ARGUMENT naming the variable.
absl::StatusOr<LogFormat> ParseLogFormat(const std::optional<std::string>& value);

void SetUpLogging(const std::string& service, LogFormat format = LogFormat::kText);

// Writes every queued line and stops the logging thread; later lines are
// not written. Idempotent.
void FlushLogging();

}  // namespace qs::service

#endif  // QS_COMMON_SERVICE_LOGGING_H_
