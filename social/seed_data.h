// Loads realistic synthetic data into a social database fast, with COPY:
// a friend graph, guilds with members, direct and guild chat channels with
// their messages, and read marks. Used by `bazel run //social:seed` and by
// the benchmarks (tests/bench/run.sh --service=social).
//
//   SeedOptions options = SeedOptions::ForUsers(100'000);  // issue 9's scale
//   absl::StatusOr<SeedReport> report = SeedSocialDatabase(conninfo, options);
//
// Users exist only as ids (the social service has no users table). What is
// written is what the service itself would have written:
//   - friendships: two rows per pair (friend_store.cc), about
//     `friends_per_user` friends each and never more, mostly among "nearby"
//     users so that friends share friends (ListMutualFriends and
//     SuggestFriends have work to do); one 'accepted' history row per pair
//     under the pair's id (PairId). Pending requests (unexpired, with a
//     'requested' row) and one-sided blocks (a 'blocked' row) only between
//     users with no other relation, as the handlers keep it.
//   - friend_suggestion_lists: every user's, fresh, as the refresher would
//     have computed it (blocks and requests are excluded when served).
//   - guilds: each with an owner (member row, role owner), members in state
//     'member' (some admins) and a few join requests in closed guilds;
//     member_count equals the guild's 'member' rows, within max_members;
//     'create', 'join' and 'request' audit rows.
//   - chat: one channel per guild and `direct_channels` direct channels
//     between friends; messages from participants only, each channel's
//     sequence gap-free from 1 with created_at growing with it,
//     last_sequence / last_message_at equal to the channel's last message;
//     some messages edited (with their previous text) or deleted; read marks
//     for most participants, never below the last message they sent.
// No outbox events are written (they would describe history, not state).
//
// Meant for an empty (freshly migrated) database: ids come from a seeded
// generator, so the same seed twice collides.
#ifndef QS_SOCIAL_SEED_DATA_H_
#define QS_SOCIAL_SEED_DATA_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace qs::social {

struct SeedOptions {
  int64_t users = 1000;
  int friends_per_user = 50;  // the cap, and about the average
  int64_t guilds = 100;
  int guilds_per_user = 2;  // memberships per user on average, besides owning
  int64_t direct_channels = 2000;
  int64_t messages = 100000;
  double guild_message_share = 0.5;  // of messages, in guild channels
  int64_t pending_requests = 100;
  int64_t blocks = 10;
  // Candidates per friend_suggestion_lists row (FRIEND_SUGGESTION_LIST_SIZE).
  int suggestion_list_size = 200;
  // Activity is spread over this many days up to now.
  int days = 30;
  uint64_t seed = 42;

  // The proportions of issue 9 (100k users: 50 friends each, 10k guilds,
  // 10M messages) at any number of users.
  static SeedOptions ForUsers(int64_t users);
};

struct SeedReport {
  int64_t friendships = 0;  // rows: two per pair
  int64_t guild_members = 0;
  int64_t channels = 0;
  int64_t messages = 0;
  int64_t read_marks = 0;
  int64_t rows = 0;  // all rows written, every table
  absl::Duration elapsed;
};

// INVALID_ARGUMENT for counts out of range (users >= 2, friends_per_user
// below users, ...); database errors as db::StatusFromDbException.
absl::StatusOr<SeedReport> SeedSocialDatabase(const std::string& conninfo,
                                              const SeedOptions& options);

}  // namespace qs::social

#endif  // QS_SOCIAL_SEED_DATA_H_
