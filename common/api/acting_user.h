// The acting user of a call. Where it comes from is chosen once per process
// at start-up (AUTH_MODE, common/auth/auth_settings.h):
// - kUserIdHeader (the default): call metadata `x-user-id`, a UUID set by
//   the trusted caller (an API gateway or another service);
// - kVerifiedToken: the user of the call's bearer token; x-user-id is
//   ignored.
// In both, the auth hook (common/auth/auth_hook.h) reads the credential once
// per call, before the body, into the call's context
// (base::CurrentCall()->user_id, or ->unauthenticated_reason), and the
// handler reads that:
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

enum class IdentitySource { kUserIdHeader, kVerifiedToken };

// Sets where ActingUserId(context) takes the user from. Called once at
// start-up, before any call is served; kUserIdHeader until then.
void SetIdentitySource(IdentitySource source);

using ClientMetadata = std::multimap<grpc::string_ref, grpc::string_ref>;

// Reads x-user-id: true with the lower-cased UUID in `user`; else false
// with `problem` set to the static UNAUTHENTICATED message (missing, given
// more than once, not a UUID) and `user` untouched. Builds no Status: the
// auth hook calls it on every call.
bool ReadUserIdHeader(const ClientMetadata& client_metadata, std::string& user,
                      const char*& problem);

// The same as a StatusOr (UNAUTHENTICATED with that message).
absl::StatusOr<std::string> ActingUserId(const ClientMetadata& client_metadata);

// The user of the call `context` belongs to, without a copy where the
// call's context holds it:
// - a call is current and the auth hook filled its context: a pointer to
//   its user_id (valid while the call is), or UNAUTHENTICATED with the
//   reason the hook found;
// - else (no call current, or no auth hook ran), with kUserIdHeader the
//   user parsed from `context`'s metadata into `storage` (or its precise
//   UNAUTHENTICATED); with kVerifiedToken UNAUTHENTICATED "no authenticated
//   call" (only the hook verifies tokens).
// For the serving edges (common/grpc/handler.h, async_handler.h).
absl::StatusOr<const std::string*> ActingUserOf(const grpc::ServerContext& context,
                                                std::string& storage);

// The same, copied (for code that keeps the user beyond the call).
absl::StatusOr<std::string> ActingUserId(const grpc::ServerContext& context);

}  // namespace qs::api

#endif  // QS_COMMON_API_ACTING_USER_H_
