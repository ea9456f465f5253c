// Loads realistic synthetic data into a notification database fast, with
// COPY: users' push tokens, their notification logs (the inbox) and the
// deliveries of those logs, all finished. Used by `bazel run
// //notification:seed` and by the benchmarks (tests/bench/run.sh
// --service=notification).
//
//   SeedOptions options = SeedOptions::ForLogs(1'000'000);  // issue 10's scale
//   absl::StatusOr<SeedReport> report = SeedNotificationDatabase(conninfo, options);
//
// Users exist only as ids (the service has no users table). What is written
// is what the service itself would have written:
//   - push_tokens: 1 or 2 installations per user (FCM or APNs tokens of the
//     shapes token_rules.h accepts, unique per platform), registered before
//     the logs begin and seen recently. A few were invalidated by a provider
//     answer (invalidated_at, invalid_reason) at the delivery that said so;
//     no later send has a delivery to them.
//   - notification_preferences: some users mute push (and some the inbox
//     too) for one category; their logs of it are written as the send would
//     have (in_inbox false, deliveries MUTED).
//   - notification_logs: `logs` rows over the users (a few heavy users, a
//     long tail), created_at spread over `days` up to now, a mix of
//     categories (some from the system: sender_id NULL); seen / read /
//     archived / deleted as the Mark RPCs set them: read implies seen, never
//     before the row, the newer the more often unread; deleted rows carry no
//     later mark; hidden rows (in_inbox false) none at all.
//   - deliveries: one per token active at the log's time, finished: SENT
//     (provider message id), FAILED after retries, INVALID_TOKEN (the token's
//     invalidation) or MUTED (finished at insert, no attempt); finished_at
//     set exactly for these final states (the CHECK).
// No outbox events, quiet hours or idempotency records are written.
//
// Meant for an empty (freshly migrated) database: ids come from a seeded
// generator, so the same seed twice collides.
#ifndef QS_NOTIFICATION_SEED_DATA_H_
#define QS_NOTIFICATION_SEED_DATA_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace qs::notification {

struct SeedOptions {
  int64_t users = 1000;
  int64_t logs = 20000;
  int days = 30;  // logs are spread over this many days up to now
  // Of users: a second installation; a preference muting one category.
  double second_token_share = 0.4;
  double muting_share = 0.05;
  uint64_t seed = 42;

  // `logs` notification logs over logs / 20 users (20 each on average), at
  // least 1,200 users.
  static SeedOptions ForLogs(int64_t logs);
};

struct SeedReport {
  int64_t push_tokens = 0;
  int64_t invalidated_tokens = 0;
  int64_t preferences = 0;
  int64_t logs = 0;
  int64_t deliveries = 0;
  int64_t rows = 0;  // all rows written, every table
  absl::Duration elapsed;
};

// INVALID_ARGUMENT for counts out of range (users >= 1, logs >= 0, days >= 1,
// shares in [0, 1]); database errors as db::StatusFromDbException.
absl::StatusOr<SeedReport> SeedNotificationDatabase(const std::string& conninfo,
                                                    const SeedOptions& options);

}  // namespace qs::notification

#endif  // QS_NOTIFICATION_SEED_DATA_H_
