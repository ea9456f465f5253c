// Not a test: prints what authentication and rate limiting cost per call
// (JWT verification per algorithm, header mode's hook + handler user read,
// a rate-limiter take), single-threaded.
//   bazel run //tests/common/auth:auth_bench
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "common/api/acting_user.h"
#include "common/auth/auth_hook.h"
#include "common/auth/jwks.h"
#include "common/auth/jwt_verifier.h"
#include "common/auth/rate_limit_settings.h"
#include "common/auth/rate_limiter.h"
#include "grpcpp/test/server_context_test_spouse.h"
#include "tests/common/auth/test_tokens.h"

namespace {

template <typename Work>
double MicrosPerCall(int calls, Work work) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) work(i);
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
             .count() /
         calls;
}

}  // namespace

int main() {
  using namespace qs;
  const testing::TestKey rsa = testing::TestKey::Rsa("rsa-1");
  const testing::TestKey ec = testing::TestKey::Ec("ec-1");
  const testing::TestKey hmac = testing::TestKey::Hmac(std::string(32, 's'));
  std::vector<auth::VerificationKey> keys = *auth::ParseJwks(testing::JwksOf({&rsa, &ec}));
  keys.push_back(*auth::VerificationKey::Hs256(std::string(32, 's')));
  const auth::JwtVerifier verifier(std::move(keys), {.issuer = "https://id.test",
                                                     .audience = "quest",
                                                     .clock_skew = absl::Seconds(60),
                                                     .user_claim = "sub"});
  const std::string claims = testing::TestClaims().Json();
  for (const testing::TestKey* key : {&rsa, &ec, &hmac}) {
    const std::string token = key->Token(claims);
    const absl::Time now = absl::Now();
    const double us = MicrosPerCall(2000, [&](int) {
      if (!verifier.VerifiedUser(token, now).ok()) std::abort();
    });
    std::printf("verify %s token (%zu bytes): %.1f us\n", key->alg().c_str(), token.size(), us);
  }
  // Header mode, per call: the hook's parse into a fresh call context, then
  // the user as HandleAsUser reads it.
  auth::AuthHook header_hook(nullptr);
  for (const char* value : {"2f1b6a38-54a4-4d8e-9a4b-6f0f1e2d3c4b", "not-a-uuid"}) {
    grpc::ServerContext context;
    grpc::testing::ServerContextTestSpouse spouse(&context);
    spouse.AddClientMetadata("x-user-id", value);
    const double us = MicrosPerCall(1000000, [&](int) {
      base::CallContext call;
      (void)header_hook.OnStart("/quest.v1.PuzzleService/GetPuzzle", context, call);
      const base::ScopedCall current(&call);
      std::string parsed;
      absl::StatusOr<const std::string*> user = api::ActingUserOf(context, parsed);
      if (user.ok() != (value[0] == '2')) std::abort();
    });
    std::printf("header mode hook + user read (x-user-id %s): %.3f us\n",
                value[0] == '2' ? "valid" : "invalid", us);
  }
  const auth::RateLimit limit = *auth::ParseRateLimit("1000000/s:1000000");
  auth::RateLimiter limiter(100000);
  std::vector<std::string> users;
  for (int i = 0; i < 10000; ++i)
    users.push_back(testing::TestClaims().sub->substr(0, 28) + std::to_string(10000000 + i));
  const double take_us = MicrosPerCall(1000000, [&](int i) {
    limiter.Take(users[i % users.size()], 0, limit, auth::MonotonicNanos());
  });
  std::printf("rate limiter take (10000 users): %.3f us\n", take_us);
  return 0;
}
