// Which string field protobuf refused to parse because its bytes are not
// valid UTF-8, remembered per thread.
//
// gRPC's sync server parses a request before any of our code runs and, when
// protobuf rejects it, keeps only an empty INTERNAL status: the bytes are
// freed and the reason is lost. Protobuf's generated parser does report the
// field, but only as a log line ("String field 'quest.v1.CreatePuzzleRequest
// .title' contains invalid UTF-8 data when parsing a protocol buffer. ...").
// This file catches that line on the parsing thread, so that the interceptor
// that runs next on the same thread (request_parse_error_interceptor.h) can
// name the field:
//
//   CaptureInvalidUtf8ParseErrors();               // once, before any thread
//   ...                                            // a parse fails on this thread
//   std::optional<std::string> field = TakeInvalidUtf8Field();
//   // "quest.v1.CreatePuzzleRequest.title"
//
// Every log message still reaches the handler that was installed before
// (protobuf's default prints to stderr). While a google::protobuf::LogSilencer
// exists anywhere in the process protobuf drops its log lines, and nothing is
// captured; callers must cope with "nothing known" (they do: the status then
// says the request did not parse, without a field).
#ifndef QS_COMMON_GRPC_INVALID_UTF8_CAPTURE_H_
#define QS_COMMON_GRPC_INVALID_UTF8_CAPTURE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace qs::grpc_util {

// The full name of the field ("pkg.Message.field") in protobuf's log line
// for a string that was not valid UTF-8 while *parsing*; "" when the line
// names no field; nullopt for every other line (serializing included).
std::optional<std::string> InvalidUtf8FieldInLogLine(absl::string_view line);

// Installs the capturing log handler. Idempotent. Protobuf's handler is a
// plain global that it reads without a lock, so call it while the process
// has one thread (RunService does, first thing).
void CaptureInvalidUtf8ParseErrors();

// The field of the last invalid-UTF-8 parse error on this thread since the
// last Take/Forget (see InvalidUtf8FieldInLogLine for ""), and forgets it.
std::optional<std::string> TakeInvalidUtf8Field();

// Forgets what this thread has captured (cheap when nothing was).
void ForgetInvalidUtf8Field();

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_INVALID_UTF8_CAPTURE_H_
