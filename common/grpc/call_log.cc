#include "common/grpc/call_log.h"

#include <atomic>

#include "common/base/json_escape.h"
#include "spdlog/spdlog.h"

namespace qs::grpc_util {
namespace {

std::atomic<CallLogFormat> call_log_format{CallLogFormat::kText};

// The loggers common/service/logging.h sets up, when it has (the names are
// repeated here: common/grpc does not depend on it): OK lines batched,
// failed ones at once.
spdlog::logger& OkCallLogger() {
  static const std::shared_ptr<spdlog::logger> batched = spdlog::get("calls");
  return batched ? *batched : *spdlog::default_logger_raw();
}
spdlog::logger& FailedCallLogger() {
  static const std::shared_ptr<spdlog::logger> errors = spdlog::get("call_errors");
  return errors ? *errors : *spdlog::default_logger_raw();
}

// Debian's Abseil has a string_view of its own, which fmt does not know:
// fmt's views the same bytes without a copy.
fmt::string_view View(absl::string_view text) { return {text.data(), text.size()}; }

// " user=<id>" and " trace=<id>" when known, else nothing.
struct OptionalField {
  const char* key;
  fmt::string_view value;
};

void LogText(spdlog::logger& logger, spdlog::level::level_enum level, absl::string_view method,
             const grpc::Status& status, double duration_ms, absl::string_view peer,
             const base::CallContext& call) {
  const fmt::string_view method_text = View(method);
  const fmt::string_view peer_text = View(peer);
  const absl::string_view trace = TraceIdOf(call.trace_parent);
  const OptionalField user_field{call.user_id.empty() ? "" : " user=", View(call.user_id)};
  const OptionalField trace_field{trace.empty() ? "" : " trace=", View(trace)};
  if (status.ok()) {
    logger.log(level, "rpc method={} status=OK duration_ms={:.3f} peer={}{}{}{}{}", method_text,
               duration_ms, peer_text, user_field.key, user_field.value, trace_field.key,
               trace_field.value);
  } else {
    logger.log(level, "rpc method={} status={} duration_ms={:.3f} peer={}{}{}{}{} message=\"{}\"",
               method_text, StatusCodeName(status.error_code()), duration_ms, peer_text,
               user_field.key, user_field.value, trace_field.key, trace_field.value,
               status.error_message());
  }
}

// Every value escaped: the method and the message may hold a caller's bytes.
void LogJson(spdlog::logger& logger, spdlog::level::level_enum level, absl::string_view method,
             const grpc::Status& status, double duration_ms, absl::string_view peer,
             const base::CallContext& call) {
  using base::JsonEscaped;
  logger.log(level,
             "\"event\":\"rpc\",\"method\":\"{}\",\"code\":\"{}\",\"duration_ms\":{:.3f},"
             "\"user\":\"{}\",\"trace_id\":\"{}\",\"peer\":\"{}\",\"message\":\"{}\"",
             JsonEscaped{method}, StatusCodeName(status.error_code()), duration_ms,
             JsonEscaped{call.user_id}, View(TraceIdOf(call.trace_parent)), JsonEscaped{peer},
             JsonEscaped{status.error_message()});
}

}  // namespace

void SetCallLogFormat(CallLogFormat format) { call_log_format.store(format); }

absl::string_view TraceIdOf(absl::string_view trace_parent) {
  // "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>", checked when
  // it was read (trace_context_hook.h).
  if (trace_parent.size() < 35 || trace_parent[2] != '-') return {};
  return trace_parent.substr(3, 32);
}

bool CallLogWritesOk() { return spdlog::should_log(spdlog::level::info); }

void LogCall(absl::string_view method, const grpc::Status& status, double duration_ms,
             absl::string_view peer, const base::CallContext& call) {
  spdlog::logger& logger = status.ok() ? OkCallLogger() : FailedCallLogger();
  const spdlog::level::level_enum level = status.ok() ? spdlog::level::info : spdlog::level::warn;
  if (call_log_format.load(std::memory_order_relaxed) == CallLogFormat::kJson) {
    LogJson(logger, level, method, status, duration_ms, peer, call);
  } else {
    LogText(logger, level, method, status, duration_ms, peer, call);
  }
}

const char* StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN_CODE";
  }
}

}  // namespace qs::grpc_util
