// The check of an ops.v1.Privacy call's credential: the caller sends
// `authorization: Bearer <token>` and the token must equal
// PRIVACY_ADMIN_TOKEN. Pure: the metadata value in, a status out.
//
//   QS_RETURN_IF_ERROR(CheckAdminCredential(AuthorizationOf(context), settings.admin_token));
#ifndef QS_COMMON_PRIVACY_ADMIN_CREDENTIAL_H_
#define QS_COMMON_PRIVACY_ADMIN_CREDENTIAL_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"

namespace qs::privacy {

// - `configured` unset: FAILED_PRECONDITION (the API is off; says so);
// - no `authorization` value, or not of the form "Bearer <token>":
//   UNAUTHENTICATED;
// - a token other than `configured`: PERMISSION_DENIED.
// The tokens are compared through their sha256 digests with CRYPTO_memcmp,
// so the time taken tells nothing about how much of the token, or of its
// length, was right.
absl::Status CheckAdminCredential(const std::optional<std::string>& authorization,
                                  const std::optional<std::string>& configured);

// The call's `authorization` metadata value, or nullopt (the first one
// when sent twice).
std::optional<std::string> AuthorizationOf(const grpc::ServerContext& context);

}  // namespace qs::privacy

#endif  // QS_COMMON_PRIVACY_ADMIN_CREDENTIAL_H_
