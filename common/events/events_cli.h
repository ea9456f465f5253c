// The `events` operator command, one binary for every service:
//
//   bazel run //common/events:events -- --service=quest replay --since=2026-12-01T15:00:00Z
//       [--type=PuzzleSolved] [--dry-run]
//                 re-publish quest's outbox rows created at/after that time
//                 (or --since=<event id>: from that event's created_at),
//                 oldest first, with the same Nats-Msg-Id; prints how many.
//   ... --service=notification dead-letters list [--limit=50]
//                 the open dead letters, newest first
//   ... --service=notification dead-letters retry <id> [--wait=30]
//                 ask the service's consumers to apply it again; waits for
//                 the outcome
//
// The database: --database-url=postgres://..., else the DB_* variables
// (as the service reads them). NATS: --nats-url, else NATS_URL; the
// EVENTS_* variables (EVENTS_NAMESPACE, EVENTS_PUBLISH_TIMEOUT_MS, ...) as
// the service reads them.
//
// Exit codes: 0 done (retry: applied); 1 failed (database or NATS refused,
// retry failed again or not applied within --wait); 2 bad usage, bad
// configuration, unknown dead letter or event id. A password is never printed.
#ifndef QS_COMMON_EVENTS_EVENTS_CLI_H_
#define QS_COMMON_EVENTS_EVENTS_CLI_H_

namespace qs::events {

int EventsMain(int argc, char** argv);

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_EVENTS_CLI_H_
