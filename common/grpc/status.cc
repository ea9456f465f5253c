#include "common/grpc/status.h"

#include <string>

#include "spdlog/spdlog.h"

namespace qs::grpc_util {

::grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return ::grpc::Status::OK;
  auto code = static_cast<::grpc::StatusCode>(status.raw_code());
  if (status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown) {
    spdlog::error("internal error: {}", status.ToString());
    return ::grpc::Status(::grpc::StatusCode::INTERNAL, "internal error");
  }
  return ::grpc::Status(code, std::string(status.message()));
}

}  // namespace qs::grpc_util
