// Shared pieces of the consumer and `events` command tests: a scratch
// service database migrated with the common tables plus a table for the
// test handlers' effects, short EVENTS_* settings in a namespace of the
// test's own, and a publisher that writes envelopes straight to a source's
// JetStream stream (as the relay would, with Nats-Msg-Id).
#ifndef QS_TESTS_COMMON_EVENTS_EVENT_TEST_SUPPORT_H_
#define QS_TESTS_COMMON_EVENTS_EVENT_TEST_SUPPORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/db/transaction.h"
#include "common/events/event_stream_settings.h"
#include "common/events/nats_connection.h"
#include "proto/events/v1/events.pb.h"
#include "tests/support/test_infra.h"

namespace qs::events::testing {

// EVENTS_* for tests: a fresh namespace, AckWait 2 s (so nak delays are at
// most 1-2 s), max deliver 3, small batches.
EventStreamSettings TestSettings(const std::string& nats_url);

// A scratch database of `service` with migrations/common applied and a table
// `effects (id, event_id, value)` that the tests' handlers write.
class MigratedScratch {
 public:
  explicit MigratedScratch(const std::string& service);
  qs::testing::ScratchDatabase& scratch() { return scratch_; }
  config::DbConfig Config() const { return scratch_.Config(); }
  // One integer from `sql` on the primary (e.g. a count).
  int64_t Count(const std::string& sql) const;
  // Runs `sql` on the primary.
  void Execute(const std::string& sql) const;

 private:
  qs::testing::ScratchDatabase scratch_;
};

// A test handler's effect: a row of `effects` for the event.
void WriteEffect(db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
                 const std::string& value);

// An envelope of `source` carrying a google.protobuf.StringValue `value`.
::events::v1::EventEnvelope StringEvent(const std::string& source, const std::string& value);

class TestPublisher {
 public:
  TestPublisher(const std::string& nats_url, EventStreamSettings settings);
  // Deletes the streams it published to (the suite's NATS is shared).
  ~TestPublisher();
  // Publishes `envelope` on its source's stream (created when missing) with
  // Nats-Msg-Id `message_id` (default: the event id).
  void Publish(const ::events::v1::EventEnvelope& envelope, const std::string& message_id = "");
  // Publishes raw bytes on `source`'s stream.
  void PublishRaw(const std::string& source, const std::string& data,
                  const std::string& message_id);
  NatsConnection& nats() { return *nats_; }

 private:
  EventStreamSettings settings_;
  std::unique_ptr<NatsConnection> nats_;
  std::set<std::string> streams_;
};

struct CommandRun {
  int code = -1;       // the exit code (-1000: still running after 60 s)
  std::string output;  // stdout and stderr
};

// Runs the real `events` binary (env EVENTS_BINARY) with `args`, NATS_URL
// and EVENTS_NAMESPACE from `settings`, and waits for it.
CommandRun RunEventsCommand(const EventStreamSettings& settings,
                            const std::vector<std::string>& args);

// Polls `done` every 20 ms until it is true or `timeout` passed.
bool WaitFor(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(15));

}  // namespace qs::events::testing

#endif  // QS_TESTS_COMMON_EVENTS_EVENT_TEST_SUPPORT_H_
