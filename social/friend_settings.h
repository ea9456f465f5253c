// Settings of the friend graph beyond the common ones (common/config):
//
//   FRIEND_LIMIT               1000   friends + pending outgoing requests per user
//   FRIEND_REQUEST_TTL_HOURS   720    a pending request expires after this (decimal:
//                                     0.001 is 3.6 s, for tests)
//   FRIEND_EXPIRY_SWEEP_MS     60000  how often expired requests are deleted
//   FRIEND_SUGGESTION_LIST_SIZE       200    candidates kept per user (SuggestFriends
//                                            pages end there)
//   FRIEND_SUGGESTION_REFRESH_MS      1000   how often stale or old lists are recomputed
//   FRIEND_SUGGESTION_MAX_AGE_HOURS   24     a list older than this is recomputed, which is
//                                            how friends' new friendships reach it (decimal)
#ifndef QS_SOCIAL_FRIEND_SETTINGS_H_
#define QS_SOCIAL_FRIEND_SETTINGS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/env.h"

namespace qs::social {

struct FriendSettings {
  int64_t friend_limit = 1000;
  absl::Duration request_ttl = absl::Hours(720);
  absl::Duration expiry_sweep_interval = absl::Seconds(60);
  // Expired requests deleted per transaction of the sweep.
  int expiry_batch_size = 500;

  int suggestion_list_size = 200;
  absl::Duration suggestion_refresh_interval = absl::Seconds(1);
  absl::Duration suggestion_max_age = absl::Hours(24);
  // Lists recomputed per transaction of the refresher (about 3 ms each).
  int suggestion_batch_size = 100;
};

// An error names the variable and the accepted values.
absl::StatusOr<FriendSettings> LoadFriendSettings(const config::EnvLookup& env);

}  // namespace qs::social

#endif  // QS_SOCIAL_FRIEND_SETTINGS_H_
