#include "common/service/logging.h"

#include <atomic>
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/base/json_escape.h"
#include "common/grpc/call_log.h"
#include "common/service/buffered_stderr_sink.h"
#include "common/service/json_log_formatter.h"
#include "grpc/support/log.h"
#include "spdlog/async.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace qs::service {
namespace {

// How long an OK call line may wait in the buffer while more come; the
// last of a burst waits for the once-a-second flush.
constexpr std::chrono::milliseconds kCallLogBatch{200};

// The text shape, or JSON with the message as "message" or (call log) as
// the object's own fields.
void SetFormat(spdlog::logger& logger, LogFormat format, const std::string& service,
               JsonLogFormatter::Payload payload) {
  if (format == LogFormat::kJson) {
    logger.set_formatter(std::make_unique<JsonLogFormatter>(service, payload));
  } else {
    logger.set_pattern("%Y-%m-%dT%H:%M:%S.%eZ level=%l service=" + service + " %v",
                       spdlog::pattern_time_type::utc);
  }
}

// gRPC core's own lines (e.g. "Failed accept4" while draining) through the
// service's log, so that with LOG_FORMAT=json stderr holds JSON only.
// After FlushLogging there is no logger: a line gRPC writes then (threads
// ending at exit) goes to stderr directly, still as JSON.
std::atomic<bool> logging_stopped{false};

void LogGrpcLine(gpr_log_func_args* args) {
  const spdlog::level::level_enum level =
      args->severity == GPR_LOG_SEVERITY_ERROR  ? spdlog::level::err
      : args->severity == GPR_LOG_SEVERITY_INFO ? spdlog::level::info
                                                : spdlog::level::debug;
  if (!logging_stopped.load()) {
    spdlog::log(level, "grpc: {} ({}:{})", args->message, args->file, args->line);
    return;
  }
  const std::string line =
      absl::StrCat("{\"level\":\"", std::string(spdlog::level::to_string_view(level).data()),
                   "\",\"message\":\"grpc: ", base::JsonEscape(args->message), "\"}\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

absl::StatusOr<LogFormat> ParseLogFormat(const std::optional<std::string>& value) {
  if (!value || value->empty() || *value == "text") return LogFormat::kText;
  if (*value == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("LOG_FORMAT: must be text or json, got \"", *value, "\""));
}

void SetUpLogging(const std::string& service, LogFormat format) {
  using Payload = JsonLogFormatter::Payload;
  spdlog::init_thread_pool(/*queue_size=*/8192, /*threads_n=*/1);
  // A sink of its own for each logger: the format is the sink's.
  auto logger = std::make_shared<spdlog::async_logger>(
      service, std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest);
  SetFormat(*logger, format, service, Payload::kMessage);
  spdlog::set_default_logger(logger);
  // The call log's OK lines, one per RPC, reach stderr in batches
  // (buffered_stderr_sink.h), within a second; everything else,
  // errors of calls included, is written line by line as it comes.
  auto calls = std::make_shared<spdlog::async_logger>(
      kCallLoggerName, std::make_shared<BufferedStderrSink>(kCallLogBatch), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest);
  SetFormat(*calls, format, service, Payload::kFields);
  spdlog::register_logger(calls);
  auto call_errors = std::make_shared<spdlog::async_logger>(
      kCallErrorLoggerName, std::make_shared<spdlog::sinks::stderr_sink_mt>(),
      spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
  SetFormat(*call_errors, format, service, Payload::kFields);
  spdlog::register_logger(call_errors);
  if (format == LogFormat::kJson) gpr_set_log_function(LogGrpcLine);
  grpc_util::SetCallLogFormat(format == LogFormat::kJson ? grpc_util::CallLogFormat::kJson
                                                         : grpc_util::CallLogFormat::kText);
  spdlog::flush_every(std::chrono::seconds(1));
}

void FlushLogging() {
  logging_stopped.store(true);
  spdlog::shutdown();
}

}  // namespace qs::service
