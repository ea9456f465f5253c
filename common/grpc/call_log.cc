#include "common/grpc/call_log.h"

#include "spdlog/spdlog.h"

namespace qs::grpc_util {

bool CallLogWritesOk() { return spdlog::should_log(spdlog::level::info); }

void LogCall(absl::string_view method, const grpc::Status& status, double duration_ms,
             absl::string_view peer) {
  // fmt formats string_view without a copy.
  const fmt::string_view method_text(method.data(), method.size());
  const fmt::string_view peer_text(peer.data(), peer.size());
  if (status.ok()) {
    // The batching logger common/service/logging.h sets up, when it has
    // (the name is repeated here: common/grpc does not depend on it).
    static const std::shared_ptr<spdlog::logger> batched = spdlog::get("calls");
    spdlog::logger& calls = batched ? *batched : *spdlog::default_logger_raw();
    calls.info("rpc method={} status=OK duration_ms={:.3f} peer={}", method_text, duration_ms,
               peer_text);
  } else {
    spdlog::warn("rpc method={} status={} duration_ms={:.3f} peer={} message=\"{}\"", method_text,
                 StatusCodeName(status.error_code()), duration_ms, peer_text,
                 status.error_message());
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
