// The real `events` binary (common/events/events_cli.h) as a child process,
// against real PostgreSQL and the suite's nats-server: replay re-publishes
// a scratch quest database's outbox to its stream, where in-process
// EventConsumers on a scratch notification database apply each event once;
// dead letters parked by those consumers are listed and retried.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "common/events/consumer.h"
#include "common/events/event_handlers.h"
#include "common/events/outbox.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/common/events/event_test_support.h"
#include "tests/support/service_process.h"

namespace qs::events {
namespace {

using google::protobuf::Int64Value;
using google::protobuf::StringValue;
using testing::CommandRun;
using testing::MigratedScratch;
using testing::StringEvent;
using testing::TestPublisher;
using testing::TestSettings;
using testing::WaitFor;
using testing::WriteEffect;

class EventsCliTest : public ::testing::Test {
 protected:
  void TearDown() override {
    // Streams the consumers or a replay created in the shared NATS.
    js_DeleteStream(publisher_.nats().jetstream(),
                    EventStreamNames(settings_.name_space).Stream("quest").c_str(), nullptr,
                    nullptr);
  }

  CommandRun Events(const std::vector<std::string>& args) {
    return testing::RunEventsCommand(settings_, args);
  }
  CommandRun Quest(std::vector<std::string> args) {
    args.insert(args.begin(), {"--service=quest", "--database-url=" + quest_.scratch().Url()});
    return Events(args);
  }
  CommandRun Notification(std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--service=notification", "--database-url=" + notification_.scratch().Url()});
    return Events(args);
  }

  // Writes an event into quest's outbox, as a quest write would.
  ::events::v1::EventEnvelope Append(const google::protobuf::Message& payload) {
    ::events::v1::EventEnvelope envelope;
    EXPECT_TRUE(quest_database_
                    .Write([&](db::WriteTx& tx) -> absl::Status {
                      envelope = AppendEvent(tx, "quest", api::NewUuidV4(), payload);
                      return absl::OkStatus();
                    })
                    .ok());
    return envelope;
  }

  void HandleBoth() {
    handlers_.On<StringValue>("quest", [](db::WriteTx& tx, const ::events::v1::EventEnvelope& e,
                                          const StringValue& value) {
      WriteEffect(tx, e, value.value());
      return absl::OkStatus();
    });
    handlers_.On<Int64Value>("quest", [](db::WriteTx& tx, const ::events::v1::EventEnvelope& e,
                                         const Int64Value& value) {
      WriteEffect(tx, e, absl::StrCat(value.value()));
      return absl::OkStatus();
    });
  }

  std::unique_ptr<EventConsumers> StartConsumers() {
    auto consumers = std::make_unique<EventConsumers>("notification", settings_,
                                                      notification_database_, handlers_);
    consumers->Start();
    return consumers;
  }

  int64_t Effects() { return notification_.Count("SELECT count(*) FROM effects"); }
  int64_t EffectsOf(const std::string& event_id) {
    return notification_.Count(
        absl::StrCat("SELECT count(*) FROM effects WHERE event_id = '", event_id, "'"));
  }
  uint64_t StreamMessages() {
    jsStreamInfo* info = nullptr;
    if (js_GetStreamInfo(&info, publisher_.nats().jetstream(),
                         EventStreamNames(settings_.name_space).Stream("quest").c_str(), nullptr,
                         nullptr) != NATS_OK) {
      return 0;
    }
    const uint64_t messages = info->State.Msgs;
    jsStreamInfo_Destroy(info);
    return messages;
  }

  static std::string Rfc3339(absl::Time time) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
  }

  const std::string nats_url_ = qs::testing::TestInfra::Get().nats_url;
  const EventStreamSettings settings_ = TestSettings(nats_url_);
  MigratedScratch quest_{"quest"};
  MigratedScratch notification_{"notification"};
  db::Database quest_database_{quest_.Config(), "events-cli-test-quest"};
  db::Database notification_database_{notification_.Config(), "events-cli-test-notification"};
  TestPublisher publisher_{nats_url_, settings_};
  EventHandlers handlers_;
};

TEST_F(EventsCliTest, BadUsageExitsTwoAndSaysWhatIsWrong) {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{}, "usage"},
      {{"--service=quest", "rewind"}, "unknown command: rewind"},
      {{"--service=Quest!", "replay", "--since=2026-12-01T00:00:00Z"}, "--service"},
      {{"--service=quest", "replay"}, "--since is required"},
      {{"--service=quest", "replay", "--since=yesterday"}, "--since: expected an RFC 3339 time"},
      {{"--service=quest", "replay", "--since=2026-12-01T00:00:00Z", "--type=a b"}, "--type"},
      {{"--service=quest", "replay", "--since=2026-12-01T00:00:00Z", "--dry-run=maybe"},
       "--dry-run"},
      {{"--service=quest", "dead-letters", "retry", "42"}, "dead letter id: must be a UUID"},
      {{"--service=quest", "dead-letters", "retry"}, "one dead letter id"},
      {{"--service=quest", "dead-letters", "list", "--limit=0"}, "--limit"},
      {{"--service=quest", "dead-letters", "list", "--colour=red"}, "colour"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    if (!args.empty()) args.push_back("--database-url=" + quest_.scratch().Url());
    CommandRun run = Events(args);
    EXPECT_EQ(run.code, 2) << absl::StrJoin(c.args, " ") << "\n" << run.output;
    EXPECT_TRUE(absl::StrContains(run.output, c.says))
        << absl::StrJoin(c.args, " ") << " should say \"" << c.says << "\":\n"
        << run.output;
    EXPECT_FALSE(absl::StrContains(run.output, quest_.Config().password))
        << "a password was printed";
  }
  // Unknown ids are usage errors too, and change nothing.
  CommandRun unknown_event = Quest({"replay", "--since=" + api::NewUuidV4()});
  EXPECT_EQ(unknown_event.code, 2) << unknown_event.output;
  EXPECT_TRUE(absl::StrContains(unknown_event.output, "no outbox row has id"))
      << unknown_event.output;
  CommandRun unknown_letter = Quest({"dead-letters", "retry", api::NewUuidV4()});
  EXPECT_EQ(unknown_letter.code, 2) << unknown_letter.output;
  EXPECT_TRUE(absl::StrContains(unknown_letter.output, "no dead letter")) << unknown_letter.output;
}

TEST_F(EventsCliTest, ReplayRepublishesFromATimeOrAnEventIdAndEachIsAppliedOnce) {
  const absl::Time start = absl::Now() - absl::Milliseconds(5);
  StringValue a;
  a.set_value("a");
  Int64Value b;
  b.set_value(2);
  StringValue c;
  c.set_value("c");
  const ::events::v1::EventEnvelope first = Append(a);
  const ::events::v1::EventEnvelope second = Append(b);
  const ::events::v1::EventEnvelope third = Append(c);
  HandleBoth();
  auto consumers = StartConsumers();

  CommandRun dry = Quest({"replay", "--since=" + Rfc3339(start), "--dry-run"});
  ASSERT_EQ(dry.code, 0) << dry.output;
  EXPECT_TRUE(absl::StrContains(dry.output, "would replay 3 quest events")) << dry.output;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(StreamMessages(), 0u) << "a dry run published";
  EXPECT_EQ(Effects(), 0);

  CommandRun replay = Quest({"replay", "--since=" + Rfc3339(start)});
  ASSERT_EQ(replay.code, 0) << replay.output;
  EXPECT_TRUE(absl::StrContains(replay.output, "replayed 3 quest events since")) << replay.output;
  EXPECT_TRUE(absl::StrContains(replay.output, "(0 already on the stream")) << replay.output;
  ASSERT_TRUE(WaitFor([&] { return Effects() == 3; })) << Effects();
  for (const auto* event : {&first, &second, &third}) EXPECT_EQ(EffectsOf(event->id()), 1);

  // Again: the same Nats-Msg-Ids, dropped by the stream's duplicate window.
  CommandRun again = Quest({"replay", "--since=" + Rfc3339(start)});
  ASSERT_EQ(again.code, 0) << again.output;
  EXPECT_TRUE(absl::StrContains(again.output, "(3 already on the stream")) << again.output;
  EXPECT_EQ(StreamMessages(), 3u);

  // From an event id (that event included), one type by its short name.
  CommandRun typed = Quest({"replay", "--since=" + second.id(), "--type=StringValue"});
  ASSERT_EQ(typed.code, 0) << typed.output;
  EXPECT_TRUE(absl::StrContains(typed.output, "replayed 1 quest events of type StringValue"))
      << typed.output;
  CommandRun full_name =
      Quest({"replay", "--since=" + second.id(), "--type=google.protobuf.Int64Value", "--dry-run"});
  EXPECT_TRUE(absl::StrContains(full_name.output, "would replay 1")) << full_name.output;
  CommandRun from_first = Quest({"replay", "--since=" + first.id(), "--dry-run"});
  EXPECT_TRUE(absl::StrContains(from_first.output, "would replay 3")) << from_first.output;

  // Before the oldest row kept: the operator is told what cannot come back.
  CommandRun old = Quest({"replay", "--since=2000-01-01T00:00:00Z", "--dry-run"});
  ASSERT_EQ(old.code, 0) << old.output;
  EXPECT_TRUE(absl::StrContains(old.output, "older than the oldest outbox row kept")) << old.output;
  EXPECT_FALSE(absl::StrContains(replay.output, "older than")) << replay.output;

  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Effects(), 3) << "a replayed event was applied twice";
}

TEST_F(EventsCliTest, ReplayFailsWithOneWhenNatsDoesNotAnswer) {
  StringValue a;
  a.set_value("a");
  Append(a);
  CommandRun run =
      Quest({"replay", "--since=2000-01-01T00:00:00Z",
             absl::StrCat("--nats-url=nats://127.0.0.1:", qs::testing::FreeLoopbackPort())});
  EXPECT_EQ(run.code, 1) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "does not answer")) << run.output;
}

TEST_F(EventsCliTest, DeadLettersAreListedAndARetryAppliesOnceAfterTheHandlerIsFixed) {
  std::atomic<bool> fixed{false};
  handlers_.On<StringValue>("quest",
                            [&](db::WriteTx& tx, const ::events::v1::EventEnvelope& e,
                                const StringValue& value) -> absl::Status {
                              if (!fixed)
                                return absl::FailedPreconditionError("recipient: unknown");
                              WriteEffect(tx, e, value.value());
                              return absl::OkStatus();
                            });
  auto consumers = StartConsumers();
  const ::events::v1::EventEnvelope event = StringEvent("quest", "poison");
  publisher_.Publish(event);
  std::string id;
  ASSERT_TRUE(
      WaitFor([&] { return notification_.Count("SELECT count(*) FROM dead_letter_events") == 1; }));
  {
    pqxx::connection connection(notification_.scratch().Conninfo());
    id = pqxx::nontransaction(connection)
             .exec("SELECT id::text FROM dead_letter_events")[0][0]
             .as<std::string>();
  }

  CommandRun list = Notification({"dead-letters", "list"});
  ASSERT_EQ(list.code, 0) << list.output;
  EXPECT_TRUE(absl::StrContains(list.output, id)) << list.output;
  EXPECT_TRUE(absl::StrContains(list.output, event.id())) << list.output;
  EXPECT_TRUE(absl::StrContains(list.output, "google.protobuf.StringValue")) << list.output;
  EXPECT_TRUE(absl::StrContains(list.output, "reason: FAILED_PRECONDITION: recipient: unknown"))
      << list.output;

  CommandRun still_broken = Notification({"dead-letters", "retry", id, "--wait=10"});
  EXPECT_EQ(still_broken.code, 1) << still_broken.output;
  EXPECT_TRUE(absl::StrContains(still_broken.output, "failed again")) << still_broken.output;
  EXPECT_EQ(EffectsOf(event.id()), 0);

  fixed = true;
  CommandRun retried = Notification({"dead-letters", "retry", id, "--wait=10"});
  EXPECT_EQ(retried.code, 0) << retried.output;
  EXPECT_TRUE(absl::StrContains(retried.output, "applied")) << retried.output;
  EXPECT_EQ(EffectsOf(event.id()), 1);
  CommandRun empty = Notification({"dead-letters", "list"});
  EXPECT_TRUE(absl::StrContains(empty.output, "no open dead letters")) << empty.output;

  CommandRun twice = Notification({"dead-letters", "retry", id});
  EXPECT_EQ(twice.code, 0) << twice.output;
  EXPECT_TRUE(absl::StrContains(twice.output, "already")) << twice.output;
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(EffectsOf(event.id()), 1) << "applied twice";

  // Nobody consumes: the request stays, the command says so.
  consumers->Stop();
  notification_.Execute(
      "INSERT INTO dead_letter_events (source, subject, envelope, reason, deliveries) "
      "VALUES ('quest', 'x', '\\x00', 'test', 1)");
  pqxx::connection connection(notification_.scratch().Conninfo());
  const std::string waiting_id =
      pqxx::nontransaction(connection)
          .exec("SELECT id::text FROM dead_letter_events WHERE subject = 'x'")[0][0]
          .as<std::string>();
  CommandRun waiting = Notification({"dead-letters", "retry", waiting_id, "--wait=1"});
  EXPECT_EQ(waiting.code, 1) << waiting.output;
  EXPECT_TRUE(absl::StrContains(waiting.output, "not applied within 1s")) << waiting.output;
}

}  // namespace
}  // namespace qs::events
