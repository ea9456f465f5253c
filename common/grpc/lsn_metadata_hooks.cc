#include "common/grpc/lsn_metadata_hooks.h"

#include <string>

#include "absl/status/statusor.h"
#include "common/db/lsn.h"

namespace qs::grpc_util {

grpc::Status LsnMetadataHooks::OnStart(absl::string_view method, grpc::ServerContext& context,
                                       base::CallContext& call) {
  (void)method;
  const auto [first, end] = context.client_metadata().equal_range(kMinLsnHeader);
  if (first == end) return grpc::Status::OK;
  // Two positions would leave it to us which one the caller meant.
  if (std::next(first) != end) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "x-min-lsn: must be sent once, got it more than once");
  }
  absl::StatusOr<uint64_t> lsn =
      db::ParseLsn(absl::string_view(first->second.data(), first->second.size()));
  if (!lsn.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(lsn.status().message()));
  }
  call.min_lsn = *lsn;
  return grpc::Status::OK;
}

void LsnMetadataHooks::OnFinish(absl::string_view method, grpc::ServerContext& context,
                                const base::CallContext& call, const grpc::Status& status,
                                double duration_seconds) {
  (void)method;
  (void)duration_seconds;
  if (!status.ok() || call.commit_lsn == 0) return;
  context.AddTrailingMetadata(kDbLsnTrailer, db::FormatLsn(call.commit_lsn));
}

}  // namespace qs::grpc_util
