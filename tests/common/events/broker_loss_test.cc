// Broker loss (issue 11): a nats-server of the test's own loses its whole
// JetStream store (stopped, store wiped, started empty) while events keep
// being written. The real OutboxRelay of a scratch quest database, two real
// EventConsumers (scratch notification and social databases) and the real
// `events replay` binary: afterwards every consumer has exactly one effect
// per event, the events written during the loss arrive, none twice.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "common/events/consumer.h"
#include "common/events/event_handlers.h"
#include "common/events/outbox.h"
#include "common/events/relay.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "tests/common/events/event_test_support.h"
#include "tests/support/nats_server.h"

namespace qs::events {
namespace {

using google::protobuf::StringValue;
using testing::CommandRun;
using testing::MigratedScratch;
using testing::RunEventsCommand;
using testing::WaitFor;
using testing::WriteEffect;

// One consuming service: its database, handlers and consumers.
struct Consumer {
  Consumer(const std::string& service, const EventStreamSettings& settings)
      : scratch(service), database(scratch.Config(), service + "-broker-loss") {
    handlers.On<StringValue>("quest", [](db::WriteTx& tx, const ::events::v1::EventEnvelope& e,
                                         const StringValue& value) {
      WriteEffect(tx, e, value.value());
      return absl::OkStatus();
    });
    consumers = std::make_unique<EventConsumers>(service, settings, database, handlers);
  }
  int64_t Effects() { return scratch.Count("SELECT count(*) FROM effects"); }
  int64_t DistinctEffects() {
    return scratch.Count("SELECT count(DISTINCT event_id) FROM effects");
  }

  MigratedScratch scratch;
  db::Database database;
  EventHandlers handlers;
  std::unique_ptr<EventConsumers> consumers;
};

class BrokerLossTest : public ::testing::Test {
 protected:
  BrokerLossTest() {
    settings_.relay_poll_interval = absl::Milliseconds(200);
    settings_.relay_retry_max = absl::Milliseconds(500);
  }

  std::string Append(const std::string& value) {
    StringValue payload;
    payload.set_value(value);
    ::events::v1::EventEnvelope envelope;
    absl::Status written = quest_database_.Write([&](db::WriteTx& tx) -> absl::Status {
      envelope = AppendEvent(tx, "quest", api::NewUuidV4(), payload);
      return absl::OkStatus();
    });
    EXPECT_TRUE(written.ok()) << "a write failed while NATS was down: " << written;
    return envelope.id();
  }

  qs::testing::NatsServer nats_;
  EventStreamSettings settings_ = testing::TestSettings(nats_.url());
  MigratedScratch quest_{"quest"};
  db::Database quest_database_{quest_.Config(), "broker-loss-quest"};
};

TEST_F(BrokerLossTest, ReplayAfterAWipedStoreRestoresEveryEffectExactlyOnce) {
  const absl::Time start = absl::Now() - absl::Milliseconds(5);
  OutboxRelay relay("quest", settings_, quest_database_, quest_.scratch().Conninfo());
  Consumer notification("notification", settings_);
  Consumer social("social", settings_);
  relay.Start();
  notification.consumers->Start();
  social.consumers->Start();

  std::vector<std::string> before;
  for (int i = 0; i < 5; ++i) before.push_back(Append(absl::StrCat("before ", i)));
  ASSERT_TRUE(WaitFor([&] { return notification.Effects() == 5 && social.Effects() == 5; }))
      << notification.Effects() << " / " << social.Effects();

  // The broker loses everything it acknowledged; writes go on meanwhile.
  nats_.Stop();
  nats_.WipeStore();
  std::vector<std::string> during;
  for (int i = 0; i < 3; ++i) during.push_back(Append(absl::StrCat("during ", i)));
  EXPECT_TRUE(
      WaitFor([&] { return notification.consumers->Degraded().has_value(); }, absl::Seconds(5)))
      << "consumers not degraded while NATS is down";
  ASSERT_TRUE(nats_.Start());

  // The relay sends what it had not published; the consumers set their
  // durables up again on the new, empty stream.
  ASSERT_TRUE(WaitFor([&] { return notification.Effects() == 8 && social.Effects() == 8; },
                      absl::Seconds(20)))
      << notification.Effects() << " / " << social.Effects();

  // The operator's recovery: replay since the start of the incident.
  CommandRun replay = RunEventsCommand(
      settings_,
      {"--service=quest", "--database-url=" + quest_.scratch().Url(), "replay",
       "--since=" + absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", start, absl::UTCTimeZone())});
  ASSERT_EQ(replay.code, 0) << replay.output;
  EXPECT_TRUE(absl::StrContains(replay.output, "replayed 8 quest events")) << replay.output;

  // Every replayed event reaches both consumers, found in processed_events.
  auto duplicates = [](const EventConsumers& consumers) {
    ::ops::v1::EventStreamStatus status;
    consumers.FillStatus(status);
    return status.consumers_size() == 1 ? status.consumers(0).duplicates() : 0;
  };
  ASSERT_TRUE(WaitFor([&] {
    return duplicates(*notification.consumers) >= 5 && duplicates(*social.consumers) >= 5;
  })) << duplicates(*notification.consumers)
      << " / " << duplicates(*social.consumers);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (Consumer* consumer : {&notification, &social}) {
    EXPECT_EQ(consumer->Effects(), 8) << "an event applied twice, or lost";
    EXPECT_EQ(consumer->DistinctEffects(), 8);
    for (const std::string& id : during) {
      EXPECT_EQ(consumer->scratch.Count(
                    absl::StrCat("SELECT count(*) FROM effects WHERE event_id = '", id, "'")),
                1)
          << "an event written during the loss";
    }
    EXPECT_TRUE(WaitFor([&] { return !consumer->consumers->Degraded().has_value(); }))
        << *consumer->consumers->Degraded();
  }
  notification.consumers->Stop();
  social.consumers->Stop();
  relay.Stop();
}

}  // namespace
}  // namespace qs::events
