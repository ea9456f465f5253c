// The acting user of a call: call metadata `x-user-id`, a UUID set by the
// trusted caller (an API gateway or another service).
//
//   absl::StatusOr<std::string> user = ActingUserId(*context);
//   if (!user.ok()) return ToGrpcStatus(user.status());  // UNAUTHENTICATED
#ifndef QS_COMMON_API_ACTING_USER_H_
#define QS_COMMON_API_ACTING_USER_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"

namespace qs::api {

inline constexpr char kUserIdMetadataKey[] = "x-user-id";

// The lower-cased user id. UNAUTHENTICATED when the key is missing, given
// more than once, or not a UUID.
absl::StatusOr<std::string> ActingUserId(
    const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata);

absl::StatusOr<std::string> ActingUserId(const grpc::ServerContext& context);

}  // namespace qs::api

#endif  // QS_COMMON_API_ACTING_USER_H_
