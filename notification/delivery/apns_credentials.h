// APNs token-based authentication: an ES256 JWT (header kid = key id,
// claims iss = team id, iat) signed with the .p8 key, reused for
// `refresh_after` (Apple: refresh no more often than every 20 minutes, a token
// older than 60 minutes is refused as ExpiredProviderToken).
//
//   QS_ASSIGN_OR_RETURN(ApnsKey key, LoadApnsKey(path, key_id, team_id));
//   ApnsProviderTokens tokens(std::move(key), absl::Minutes(50));
//   absl::StatusOr<std::string> jwt = tokens.Get();
//   ...403 ExpiredProviderToken... tokens.Invalidate(*jwt);
#ifndef QS_NOTIFICATION_DELIVERY_APNS_CREDENTIALS_H_
#define QS_NOTIFICATION_DELIVERY_APNS_CREDENTIALS_H_

#include <atomic>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "notification/delivery/jwt_signer.h"

namespace qs::notification::delivery {

inline constexpr absl::Duration kApnsMinTokenAge = absl::Minutes(20);
inline constexpr absl::Duration kApnsMaxTokenAge = absl::Minutes(60);

struct ApnsKey {
  std::string key_id;
  std::string team_id;
  SigningKey private_key;
};

// Reads a .p8 file (PKCS#8 PEM, P-256). Errors name the file, never its content.
absl::StatusOr<ApnsKey> LoadApnsKey(const std::string& path, std::string key_id,
                                    std::string team_id);

// Thread-safe cache of the provider token.
class ApnsProviderTokens {
 public:
  using Clock = std::function<absl::Time()>;

  // `refresh_after` is clamped into [20, 60) minutes.
  ApnsProviderTokens(
      ApnsKey key, absl::Duration refresh_after, Clock clock = [] { return absl::Now(); });

  absl::StatusOr<std::string> Get();
  // Drops `token` if it is still the cached one (APNs refused it).
  void Invalidate(const std::string& token);
  int64_t tokens_signed() const { return tokens_signed_.load(); }

 private:
  const ApnsKey key_;
  const absl::Duration refresh_after_;
  const Clock clock_;
  std::atomic<int64_t> tokens_signed_{0};
  absl::Mutex mutex_;
  std::string token_ ABSL_GUARDED_BY(mutex_);
  absl::Time issued_at_ ABSL_GUARDED_BY(mutex_) = absl::InfinitePast();
};

}  // namespace qs::notification::delivery

#endif  // QS_NOTIFICATION_DELIVERY_APNS_CREDENTIALS_H_
