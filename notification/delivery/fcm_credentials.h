// FCM HTTP v1 credentials: a Google service-account JSON file → an RS256
// JWT assertion → an OAuth2 access token from the account's token_uri,
// cached until shortly before it expires.
//
//   QS_ASSIGN_OR_RETURN(ServiceAccount account, LoadServiceAccount(path, ""));
//   FcmAccessTokens tokens(std::move(account), http, absl::Minutes(5));
//   absl::StatusOr<std::string> bearer = tokens.Get();   // one OAuth call per ~hour
//   ...401 from FCM... tokens.Invalidate(*bearer);        // the next Get fetches anew
//
// The file's path comes from configuration (never the command line); neither
// its content nor the tokens are ever logged or put into an error message.
#ifndef QS_NOTIFICATION_DELIVERY_FCM_CREDENTIALS_H_
#define QS_NOTIFICATION_DELIVERY_FCM_CREDENTIALS_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "notification/delivery/http_client.h"
#include "notification/delivery/jwt_signer.h"

namespace qs::notification::delivery {

inline constexpr absl::string_view kFcmScope = "https://www.googleapis.com/auth/firebase.messaging";

struct ServiceAccount {
  std::string project_id;
  std::string client_email;
  std::string token_uri;
  SigningKey private_key;
};

// Reads a service-account JSON file (fields project_id, client_email,
// private_key, token_uri). `token_uri_override`, when not empty, replaces
// token_uri (tests point it at a local server). Errors name the file and the
// missing field, never a value.
absl::StatusOr<ServiceAccount> LoadServiceAccount(const std::string& path,
                                                  const std::string& token_uri_override);

// The JWT assertion: iss = client_email, scope = kFcmScope, aud = token_uri,
// iat = now, exp = now + 1 h.
absl::StatusOr<std::string> ServiceAccountAssertion(const ServiceAccount& account, absl::Time now);

// Thread-safe access-token cache. Concurrent callers of an expired cache wait
// for one token request.
class FcmAccessTokens {
 public:
  using Clock = std::function<absl::Time()>;

  // A token is reused until `refresh_margin` before its expires_in.
  FcmAccessTokens(
      ServiceAccount account, std::shared_ptr<HttpClient> http, absl::Duration refresh_margin,
      Clock clock = [] { return absl::Now(); });

  // The cached token or a new one. Errors: PERMISSION_DENIED when the token
  // endpoint refuses the assertion (a bad or revoked key: pause the
  // provider); UNAVAILABLE / DEADLINE_EXCEEDED / ABORTED for transient
  // failures (retry later).
  absl::StatusOr<std::string> Get();

  // Drops `token` if it is still the cached one (FCM refused it).
  void Invalidate(const std::string& token);

  const std::string& project_id() const { return account_.project_id; }
  // Token requests made so far (diagnostics, tests).
  int64_t token_requests() const { return token_requests_.load(); }

 private:
  absl::Status Fetch(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  const ServiceAccount account_;
  const std::shared_ptr<HttpClient> http_;
  const absl::Duration refresh_margin_;
  const Clock clock_;
  std::atomic<int64_t> token_requests_{0};
  absl::Mutex mutex_;
  std::string token_ ABSL_GUARDED_BY(mutex_);
  absl::Time refresh_at_ ABSL_GUARDED_BY(mutex_) = absl::InfinitePast();
};

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_FCM_CREDENTIALS_H_
