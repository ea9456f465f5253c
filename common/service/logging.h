// The process-wide log of a service: one line per event, key=value after the
// prefix, UTC timestamps, on stderr.
//
//   SetUpLogging("quest");       // before any other thread logs
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

#include <string>

namespace qs::service {

inline constexpr char kCallLoggerName[] = "calls";

void SetUpLogging(const std::string& service);

// Writes every queued line and stops the logging thread; later lines are
// not written. Idempotent.
void FlushLogging();

}  // namespace qs::service

#endif  // QS_COMMON_SERVICE_LOGGING_H_
