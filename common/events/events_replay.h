// `events replay` (events_cli.h): re-publishes a service's outbox rows to its
// JetStream stream, oldest first, with the same Nats-Msg-Id (the event id),
// for recovery after a broker lost acknowledged messages. Consumers
// de-duplicate by event id (processed_events), so replaying too much is
// safe; within the stream's duplicate window JetStream drops the copies
// itself.
//
//   absl::StatusOr<absl::Time> from = ResolveReplayStart(database, "2026-12-01T15:00:00Z");
//   absl::StatusOr<ReplayResult> result = ReplayOutbox(database, &nats, settings, request);
#ifndef QS_COMMON_EVENTS_EVENTS_REPLAY_H_
#define QS_COMMON_EVENTS_EVENTS_REPLAY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/database.h"
#include "common/events/event_stream_settings.h"
#include "common/events/nats_connection.h"

namespace qs::events {

// The start of a replay from --since: an RFC 3339 time, or an event id (a
// UUID: that outbox row's created_at). INVALID_ARGUMENT for anything else,
// NOT_FOUND for an id that is not in the outbox (pruned, or never there).
absl::StatusOr<absl::Time> ResolveReplayStart(db::Database& database, const std::string& since);

// Whether `since` is an event id or an RFC 3339 time (checked before any
// connection is opened).
bool IsReplayStart(const std::string& since);
// An RFC 3339 time; INVALID_ARGUMENT naming --since otherwise.
absl::StatusOr<absl::Time> ParseReplayStartTime(const std::string& since);

// True for "social.v1.FriendRequestSent" and for "FriendRequestSent".
bool IsValidTypeFilter(const std::string& type);

struct ReplayRequest {
  std::string service;
  absl::Time from;
  // A payload's full name or its last component; empty = every type.
  std::string type;
  // Count only, publish nothing.
  bool dry_run = false;
};

struct ReplayResult {
  // Rows created at/after `from` (of `type`).
  int64_t matched = 0;
  // Published, and of those dropped by the stream as duplicates (an event
  // already on it within the duplicate window).
  int64_t published = 0;
  int64_t duplicates = 0;
  // created_at of the oldest outbox row kept; nullopt when the outbox is empty.
  std::optional<absl::Time> oldest_kept;
};

// Replays; `nats` may be null for a dry run. Stops at the first publish
// that fails (UNAVAILABLE / DEADLINE_EXCEEDED ...), after what it published.
absl::StatusOr<ReplayResult> ReplayOutbox(db::Database& database, NatsConnection* nats,
                                          const EventStreamSettings& settings,
                                          const ReplayRequest& request);

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_EVENTS_REPLAY_H_
