#include "common/auth/auth_hook.h"

#include <utility>

#include "absl/strings/match.h"
#include "common/api/acting_user.h"

namespace qs::auth {
namespace {

constexpr absl::string_view kBearer = "Bearer ";
constexpr char kMissingBearer[] =
    "missing credential: send metadata 'authorization: Bearer <token>' (AUTH_MODE=jwt; "
    "x-user-id is not accepted)";

}  // namespace

AuthHook::AuthHook(std::shared_ptr<const JwtVerifier> verifier, std::function<absl::Time()> clock)
    : verifier_(std::move(verifier)), clock_(std::move(clock)) {}

grpc::Status AuthHook::OnStart(absl::string_view method, grpc::ServerContext& context,
                               base::CallContext& call) {
  if (absl::StartsWith(method, "/ops.v1.")) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  if (verifier_ == nullptr) {
    // The one parse of the call: the user, or the reason the handler's
    // ActingUserId answers (nothing is refused here: a method may need no
    // user).
    const char* problem = nullptr;
    if (!api::ReadUserIdHeader(metadata, call.user_id, problem)) {
      call.unauthenticated_reason = problem;
    }
    return grpc::Status::OK;
  }
  auto [first, last] = metadata.equal_range("authorization");
  if (first == last) {
    call.unauthenticated_reason = kMissingBearer;
    return grpc::Status::OK;
  }
  if (std::next(first) != last) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "authorization metadata given more than once");
  }
  const absl::string_view value(first->second.data(), first->second.size());
  // RFC 6750 2.1 / RFC 7235 2.1: the scheme is case-insensitive.
  if (value.size() <= kBearer.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kBearer.size()), kBearer)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "authorization metadata is not 'Bearer <token>'");
  }
  absl::StatusOr<std::string> user =
      verifier_->VerifiedUser(value.substr(kBearer.size()), clock_());
  if (!user.ok()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(user.status().message()));
  }
  call.user_id = *std::move(user);
  return grpc::Status::OK;
}

}  // namespace qs::auth
