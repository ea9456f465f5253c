// The edge of an RPC handler: the acting user in, one absl::Status →
// grpc::Status conversion out. A handler body is written against absl::Status
// (early returns with QS_RETURN_IF_ERROR / QS_ASSIGN_OR_RETURN) and converts
// once, here:
//
//   grpc::Status PuzzleHandler::GetPuzzle(grpc::ServerContext* context,
//                                         const v1::GetPuzzleRequest* request,
//                                         v1::Puzzle* response) {
//     return grpc_util::HandleAsUser(*context, response,
//                                    [&](const std::string& user) -> absl::StatusOr<v1::Puzzle> {
//       QS_RETURN_IF_ERROR(api::RequireUuid("puzzle_id", request->puzzle_id()));
//       ...
//     });
//   }
//
// The body returns absl::StatusOr<Response> (moved into `*response` on OK),
// or absl::Status when it fills `*response` itself. A call without an acting
// user — with AUTH_MODE=header (the default) a valid x-user-id, with
// AUTH_MODE=jwt a verified bearer token — is UNAUTHENTICATED before the body
// runs (common/api/acting_user.h). `user` refers to the user the auth hook
// stored in the call's context (no copy): valid for the call, so a body that
// keeps it past the call copies it.
#ifndef QS_COMMON_GRPC_HANDLER_H_
#define QS_COMMON_GRPC_HANDLER_H_

#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/api/acting_user.h"
#include "common/grpc/status.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace qs::grpc_util {

// Runs `body()` and converts its result (see above), without an acting user.
template <typename Response, typename Body>
::grpc::Status Handle(Response* response, Body&& body) {
  auto result = body();
  if constexpr (std::is_same_v<decltype(result), absl::Status>) {
    return ToGrpcStatus(result);
  } else {
    if (!result.ok()) return ToGrpcStatus(result.status());
    *response = *std::move(result);
    return ::grpc::Status::OK;
  }
}

// Runs `body(user)` for the call's acting user and converts its result.
template <typename Response, typename Body>
::grpc::Status HandleAsUser(const ::grpc::ServerContext& context, Response* response, Body&& body) {
  std::string parsed;  // used only when no auth hook read the call
  absl::StatusOr<const std::string*> user = api::ActingUserOf(context, parsed);
  if (!user.ok()) return ToGrpcStatus(user.status());
  return Handle(response, [&] { return body(**user); });
}

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_HANDLER_H_
