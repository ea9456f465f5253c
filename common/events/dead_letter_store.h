// All SQL on dead_letter_events: the poison events a consumer parked
// (consumer.h), listed and retried by the `events` command (events_cli.h).
//
// A dead letter is open until its event is applied (retried_at): by a
// requested retry, or by a later copy of the event (a replay) that the
// consumer applies. A retry is requested by setting retry_requested_at; the
// consumer of the source then either marks it retried, in the same
// transaction as the event's effect, or records last_retry_error and clears
// the request.
//
//   db.Write([&](db::WriteTx& tx) { ParkDeadLetter(tx, letter); ... });
#ifndef QS_COMMON_EVENTS_DEAD_LETTER_STORE_H_
#define QS_COMMON_EVENTS_DEAD_LETTER_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/db/transaction.h"

namespace qs::events {

struct NewDeadLetter {
  // The event id when the message carried a usable one (a UUID), else empty.
  std::string event_id;
  std::string source;
  // The envelope's type when it decoded, else empty.
  std::string type;
  std::string subject;
  // The message's data as received (the serialized envelope).
  std::string envelope;
  std::string reason;
  int64_t deliveries = 1;
};

struct DeadLetter {
  std::string id;
  std::string event_id;  // empty when unknown
  std::string source;
  std::string type;  // empty when unknown
  std::string subject;
  std::string envelope;
  std::string reason;
  int64_t deliveries = 0;
  absl::Time created_at;
  std::optional<absl::Time> retry_requested_at;
  std::optional<absl::Time> retried_at;
  std::string last_retry_error;
};

// Parks an event; returns the dead letter's id. An event that already has an
// open dead letter (parked again, e.g. after a replay) updates that one's
// reason and deliveries instead of adding a second.
std::string ParkDeadLetter(db::WriteTx& tx, const NewDeadLetter& letter);

// The open dead letters, newest first.
std::vector<DeadLetter> ListOpenDeadLetters(db::ReadTx& tx, int limit);
int64_t CountOpenDeadLetters(db::ReadTx& tx);

// Any dead letter by id (a UUID), open or retried.
std::optional<DeadLetter> FindDeadLetter(db::ReadTx& tx, const std::string& id);

// Requests a retry of the open dead letter `id` and forgets the previous
// retry's error; false when no open dead letter has that id.
bool RequestDeadLetterRetry(db::WriteTx& tx, const std::string& id);

// Ids of the dead letters of `source` whose retry is requested and not done,
// oldest request first (a partial index keeps this cheap on every poll).
std::vector<std::string> RequestedDeadLetterRetries(db::WriteTx& tx, const std::string& source,
                                                    int limit);

// Locks the requested, not retried dead letter `id` for this transaction;
// nullopt when it is no longer requested or another consumer holds it.
std::optional<DeadLetter> LockRequestedDeadLetter(db::WriteTx& tx, const std::string& id);

void MarkDeadLetterRetried(db::WriteTx& tx, const std::string& id);
// Marks retried the open dead letters of these events (UUIDs), in the
// transaction that applies them: once applied, an event must not be applied
// again by a retry, even after its processed_events record was pruned.
void CloseDeadLettersOf(db::WriteTx& tx, const std::vector<std::string>& event_ids);
// Records why the retry failed and clears the request (a new request is
// needed for another attempt: a failing retry must not loop).
void MarkDeadLetterRetryFailed(db::WriteTx& tx, const std::string& id, const std::string& error);

}  // namespace qs::events

#endif  // QS_COMMON_EVENTS_DEAD_LETTER_STORE_H_
