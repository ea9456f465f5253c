// Authenticates every call before its body (a grpc_util::CallHooks,
// registered first by common/service/service_main.cc) and stores the acting
// user in the call's context, where api::ActingUserId, the call log and the
// rate limits find it:
//
//   AuthHook auth(settings.verifier);   // null verifier: header mode
//   options.call_hooks = {&auth, ...};
//
// - header mode: a valid `x-user-id` becomes call.user_id; anything else
//   leaves it empty with call.unauthenticated_reason saying why, which the
//   handler's ActingUserId answers as UNAUTHENTICATED (the messages of
//   before). One parse per call, no Status built.
// - jwt mode: `authorization: Bearer <JWT>` is verified once per call; a
//   token that does not verify answers UNAUTHENTICATED with the reason at
//   once (nothing of the call runs). Without an `authorization` header the
//   call goes on unauthenticated (call.unauthenticated_reason asks for a
//   bearer token): methods that need no user (health, ops.v1.Diagnostics)
//   work, the others answer UNAUTHENTICATED from ActingUserId. x-user-id is
//   ignored.
// Operator APIs (`/ops.v1.*`) are not authenticated here: they take no
// user, and ops.v1.Privacy's `authorization` carries its own admin token.
#ifndef QS_COMMON_AUTH_AUTH_HOOK_H_
#define QS_COMMON_AUTH_AUTH_HOOK_H_

#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "common/auth/jwt_verifier.h"
#include "common/grpc/call_hooks.h"

namespace qs::auth {

class AuthHook final : public grpc_util::CallHooks {
 public:
  // `verifier` null: header mode. `clock` gives "now" for exp / nbf.
  explicit AuthHook(std::shared_ptr<const JwtVerifier> verifier,
                    std::function<absl::Time()> clock = absl::Now);

  grpc::Status OnStart(absl::string_view method, grpc::ServerContext& context,
                       base::CallContext& call) override;

 private:
  std::shared_ptr<const JwtVerifier> verifier_;
  std::function<absl::Time()> clock_;
};

}  // namespace qs::auth

#endif  // QS_COMMON_AUTH_AUTH_HOOK_H_
