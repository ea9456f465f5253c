// EventConsumers (common/events/consumer.h) against the real PostgreSQL and
// the suite's real nats-server, with handlers of the test's own on a scratch
// notification database consuming a "quest" stream in a namespace of the
// test's own; events are published straight to the stream, as the relay
// publishes them.
#include "common/events/consumer.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "common/events/consumer_setup.h"
#include "common/events/dead_letter_store.h"
#include "common/events/event_handlers.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "tests/common/events/event_test_support.h"

namespace qs::events {
namespace {

using google::protobuf::StringValue;
using testing::MigratedScratch;
using testing::StringEvent;
using testing::TestPublisher;
using testing::TestSettings;
using testing::WaitFor;
using testing::WriteEffect;

class ConsumerTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventConsumers> StartConsumers() { return StartConsumers(settings_); }
  std::unique_ptr<EventConsumers> StartConsumers(const EventStreamSettings& settings) {
    auto consumers =
        std::make_unique<EventConsumers>("notification", settings, database_, handlers_);
    consumers->Start();
    return consumers;
  }

  // The durable's view of its messages, from JetStream itself.
  jsConsumerInfo* DurableInfo() {
    const EventStreamNames names(settings_.name_space);
    jsConsumerInfo* info = nullptr;
    EXPECT_EQ(
        js_GetConsumerInfo(&info, publisher_.nats().jetstream(), names.Stream("quest").c_str(),
                           names.Durable("notification").c_str(), nullptr, nullptr),
        NATS_OK);
    return info;
  }

  // Every handled StringValue writes one effect; `fail` decides otherwise.
  void HandleStrings(std::function<absl::Status(const std::string&)> fail = nullptr) {
    handlers_.On<StringValue>(
        "quest",
        [this, fail](db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
                     const StringValue& value) -> absl::Status {
          calls_.fetch_add(1);
          if (fail) {
            absl::Status status = fail(value.value());
            if (!status.ok()) return status;
          }
          WriteEffect(tx, envelope, value.value());
          return absl::OkStatus();
        });
  }

  int64_t Effects(const std::string& event_id) {
    return scratch_.Count(
        absl::StrCat("SELECT count(*) FROM effects WHERE event_id = '", event_id, "'"));
  }
  int64_t OpenDeadLetters() {
    return scratch_.Count("SELECT count(*) FROM dead_letter_events WHERE retried_at IS NULL");
  }
  std::optional<DeadLetter> DeadLetterOf(const std::string& event_id) {
    return *database_.ReadFromPrimary(
        [&](db::ReadTx& tx) -> absl::StatusOr<std::optional<DeadLetter>> {
          pqxx::result rows = tx.Query(
              "SELECT id::text FROM dead_letter_events WHERE event_id = $1::uuid", event_id);
          if (rows.empty()) return std::nullopt;
          return FindDeadLetter(tx, rows[0][0].as<std::string>());
        });
  }
  static ::ops::v1::ConsumerStatus StatusOf(const EventConsumers& consumers) {
    ::ops::v1::EventStreamStatus status;
    consumers.FillStatus(status);
    return status.consumers_size() == 1 ? status.consumers(0) : ::ops::v1::ConsumerStatus();
  }

  const std::string nats_url_ = qs::testing::TestInfra::Get().nats_url;
  const EventStreamSettings settings_ = TestSettings(nats_url_);
  MigratedScratch scratch_{"notification"};
  db::Database database_{scratch_.Config(), "consumer-test"};
  TestPublisher publisher_{nats_url_, settings_};
  EventHandlers handlers_;
  std::atomic<int> calls_{0};
};

TEST_F(ConsumerTest, TheSameEventDeliveredTwiceIsAppliedOnce) {
  HandleStrings();
  auto consumers = StartConsumers();
  const ::events::v1::EventEnvelope event = StringEvent("quest", "solved");
  // Two stream messages (distinct Nats-Msg-Id, so the stream keeps both),
  // one event: what a replay after the duplicate window looks like.
  publisher_.Publish(event, api::NewUuidV4());
  publisher_.Publish(event, api::NewUuidV4());
  ASSERT_TRUE(WaitFor([&] {
    ::ops::v1::ConsumerStatus status = StatusOf(*consumers);
    return status.applied() + status.duplicates() == 2;
  })) << StatusOf(*consumers).DebugString();
  EXPECT_EQ(Effects(event.id()), 1);
  EXPECT_EQ(calls_.load(), 1) << "the handler ran for the redelivery";
  EXPECT_EQ(
      scratch_.Count(absl::StrCat("SELECT count(*) FROM processed_events WHERE id = '", event.id(),
                                  "' AND source = 'quest' AND type = "
                                  "'google.protobuf.StringValue'")),
      1);
  const ::ops::v1::ConsumerStatus status = StatusOf(*consumers);
  EXPECT_EQ(status.applied(), 1);
  EXPECT_EQ(status.duplicates(), 1);
  EXPECT_EQ(status.source(), "quest");
  EXPECT_EQ(status.durable(), EventStreamNames(settings_.name_space).Durable("notification"));
  EXPECT_FALSE(consumers->Degraded().has_value()) << *consumers->Degraded();
}

// Consumer lag in ops.v1.Diagnostics: messages on the stream not delivered
// to the durable yet, while the handler holds the first one.
TEST_F(ConsumerTest, TheLagCountsTheMessagesNotDeliveredYet) {
  std::atomic<bool> release{false};
  HandleStrings([&](const std::string&) {
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return absl::OkStatus();
  });
  EventStreamSettings one_at_a_time = settings_;
  one_at_a_time.consumer_batch = 1;
  auto consumers = StartConsumers(one_at_a_time);
  for (int n = 0; n < 20; ++n) publisher_.Publish(StringEvent("quest", absl::StrCat("e", n)));
  EXPECT_TRUE(WaitFor([&] { return StatusOf(*consumers).pending() >= 10; }))
      << StatusOf(*consumers).DebugString();
  release.store(true);
  EXPECT_TRUE(WaitFor([&] {
    const ::ops::v1::ConsumerStatus status = StatusOf(*consumers);
    return status.applied() == 20 && status.pending() == 0;
  })) << StatusOf(*consumers).DebugString();
}

TEST_F(ConsumerTest, AnEventNakedOnceIsAppliedOnceWhenRedelivered) {
  std::atomic<int> failures_left{1};
  HandleStrings([&](const std::string&) {
    return failures_left.fetch_sub(1) > 0 ? absl::UnavailableError("try later") : absl::OkStatus();
  });
  auto consumers = StartConsumers();
  const ::events::v1::EventEnvelope event = StringEvent("quest", "once");
  publisher_.Publish(event);
  ASSERT_TRUE(WaitFor([&] { return Effects(event.id()) == 1; }));
  EXPECT_EQ(calls_.load(), 2) << "one failed delivery, one that applied";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Effects(event.id()), 1);
  EXPECT_EQ(OpenDeadLetters(), 0);
}

TEST_F(ConsumerTest, AnUndecodableMessageIsParkedAndLaterOnesFlow) {
  HandleStrings();
  auto consumers = StartConsumers();
  const std::string poison_id = api::NewUuidV4();
  publisher_.PublishRaw("quest", "\xff not an envelope", poison_id);
  const ::events::v1::EventEnvelope later = StringEvent("quest", "later");
  publisher_.Publish(later);
  ASSERT_TRUE(WaitFor([&] { return Effects(later.id()) == 1 && OpenDeadLetters() == 1; }));
  std::optional<DeadLetter> letter = DeadLetterOf(poison_id);
  ASSERT_TRUE(letter.has_value()) << "parked without the message's Nats-Msg-Id";
  EXPECT_EQ(letter->source, "quest");
  EXPECT_EQ(letter->type, "");
  EXPECT_EQ(letter->envelope, "\xff not an envelope");
  EXPECT_TRUE(absl::StrContains(letter->reason, "envelope")) << letter->reason;
  EXPECT_EQ(letter->deliveries, 1);
  EXPECT_TRUE(absl::StartsWith(letter->subject, settings_.name_space + ".quest."))
      << letter->subject;
  ::ops::v1::EventStreamStatus status;
  consumers->FillStatus(status);
  EXPECT_EQ(status.dead_letters(), 1);
  // Termed: never delivered again.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(OpenDeadLetters(), 1);
  EXPECT_EQ(DeadLetterOf(poison_id)->deliveries, 1);
}

TEST_F(ConsumerTest, AHandlersInvalidArgumentParksTheEventAtOnce) {
  HandleStrings([](const std::string& value) {
    return value == "bad" ? absl::InvalidArgumentError("value: bad is not allowed")
                          : absl::OkStatus();
  });
  auto consumers = StartConsumers();
  const ::events::v1::EventEnvelope bad = StringEvent("quest", "bad");
  const ::events::v1::EventEnvelope good = StringEvent("quest", "good");
  publisher_.Publish(bad);
  publisher_.Publish(good);
  ASSERT_TRUE(WaitFor([&] { return Effects(good.id()) == 1 && DeadLetterOf(bad.id()); }));
  std::optional<DeadLetter> letter = DeadLetterOf(bad.id());
  EXPECT_EQ(letter->deliveries, 1) << "parked on its first delivery";
  EXPECT_EQ(letter->type, "google.protobuf.StringValue");
  EXPECT_TRUE(absl::StrContains(letter->reason, "value: bad is not allowed")) << letter->reason;
  EXPECT_EQ(Effects(bad.id()), 0);
  EXPECT_EQ(scratch_.Count(
                absl::StrCat("SELECT count(*) FROM processed_events WHERE id = '", bad.id(), "'")),
            0)
      << "a parked event must stay retryable";
}

TEST_F(ConsumerTest, AFailingStatementIsUndoneAloneAndTheRestOfItsBatchCommits) {
  handlers_.On<StringValue>(
      "quest",
      [](db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
         const StringValue& value) -> absl::Status {
        // A handler's SQL that fails (not_null_violation: FAILED_PRECONDITION),
        // after a write of its own that must not survive.
        WriteEffect(tx, envelope, "partial " + value.value());
        if (value.value() == "breaks") {
          tx.Query("INSERT INTO effects (event_id, value) VALUES ($1::uuid, NULL)", envelope.id());
        }
        return absl::OkStatus();
      });
  // Published before the consumer starts: one fetch, one transaction.
  std::vector<std::string> good;
  ::events::v1::EventEnvelope breaks = StringEvent("quest", "breaks");
  for (int i = 0; i < 6; ++i) {
    if (i == 3) publisher_.Publish(breaks);
    const ::events::v1::EventEnvelope event = StringEvent("quest", absl::StrCat("ok ", i));
    good.push_back(event.id());
    publisher_.Publish(event);
  }
  auto consumers = StartConsumers();
  ASSERT_TRUE(WaitFor([&] { return DeadLetterOf(breaks.id()).has_value(); }));
  ASSERT_TRUE(WaitFor([&] { return scratch_.Count("SELECT count(*) FROM effects") == 6; }));
  for (const std::string& id : good) EXPECT_EQ(Effects(id), 1);
  EXPECT_EQ(Effects(breaks.id()), 0) << "the failed event's first write survived";
  std::optional<DeadLetter> letter = DeadLetterOf(breaks.id());
  EXPECT_EQ(letter->deliveries, 1);
  EXPECT_TRUE(absl::StartsWith(letter->reason, "FAILED_PRECONDITION")) << letter->reason;
  EXPECT_EQ(StatusOf(*consumers).applied(), 6);
}

TEST_F(ConsumerTest, AHandlerFailingMaxDeliverTimesIsParkedWhileLaterEventsFlow) {
  HandleStrings([](const std::string& value) {
    return value == "flaky" ? absl::UnavailableError("downstream is down") : absl::OkStatus();
  });
  auto consumers = StartConsumers();
  const ::events::v1::EventEnvelope flaky = StringEvent("quest", "flaky");
  const ::events::v1::EventEnvelope fine = StringEvent("quest", "fine");
  publisher_.Publish(flaky);
  publisher_.Publish(fine);
  // `fine` does not wait for `flaky`'s redeliveries.
  ASSERT_TRUE(WaitFor([&] { return Effects(fine.id()) == 1; }, absl::Seconds(3)));
  EXPECT_FALSE(DeadLetterOf(flaky.id()).has_value());
  ASSERT_TRUE(WaitFor([&] { return DeadLetterOf(flaky.id()).has_value(); }));
  std::optional<DeadLetter> letter = DeadLetterOf(flaky.id());
  EXPECT_EQ(letter->deliveries, settings_.max_deliver);
  EXPECT_TRUE(absl::StrContains(letter->reason, "failed 3 deliveries")) << letter->reason;
  EXPECT_TRUE(absl::StrContains(letter->reason, "downstream is down")) << letter->reason;
  EXPECT_EQ(calls_.load(), settings_.max_deliver + 1);
}

TEST_F(ConsumerTest, ARequestedRetryThatFailsAgainRecordsWhyAndClearsTheRequest) {
  std::atomic<bool> fixed{false};
  HandleStrings([&](const std::string&) {
    return fixed ? absl::OkStatus() : absl::FailedPreconditionError("not ready");
  });
  auto consumers = StartConsumers();
  const ::events::v1::EventEnvelope event = StringEvent("quest", "retry me");
  publisher_.Publish(event);
  ASSERT_TRUE(WaitFor([&] { return DeadLetterOf(event.id()).has_value(); }));
  const std::string id = DeadLetterOf(event.id())->id;
  auto request = [&] {
    return database_.Write([&](db::WriteTx& tx) -> absl::Status {
      return RequestDeadLetterRetry(tx, id) ? absl::OkStatus() : absl::NotFoundError(id);
    });
  };
  ASSERT_TRUE(request().ok());
  ASSERT_TRUE(WaitFor([&] { return !DeadLetterOf(event.id())->last_retry_error.empty(); }));
  std::optional<DeadLetter> failed = DeadLetterOf(event.id());
  EXPECT_FALSE(failed->retry_requested_at.has_value()) << "a failing retry must not loop";
  EXPECT_FALSE(failed->retried_at.has_value());
  EXPECT_TRUE(absl::StrContains(failed->last_retry_error, "not ready")) << failed->last_retry_error;

  fixed = true;
  ASSERT_TRUE(request().ok());
  ASSERT_TRUE(WaitFor([&] { return DeadLetterOf(event.id())->retried_at.has_value(); }));
  EXPECT_EQ(Effects(event.id()), 1);
  EXPECT_EQ(OpenDeadLetters(), 0);
  EXPECT_FALSE(request().ok()) << "a retried dead letter is not open any more";
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(Effects(event.id()), 1);
}

TEST_F(ConsumerTest, ADatabaseFailureParksNothingAndLosesNothing) {
  HandleStrings();
  auto consumers = StartConsumers();
  ASSERT_TRUE(WaitFor([&] { return !StatusOf(*consumers).durable().empty(); }));
  // The record cannot be written: the database fails around the handler.
  scratch_.Execute("ALTER TABLE processed_events RENAME TO processed_events_away");
  const ::events::v1::EventEnvelope event = StringEvent("quest", "survives");
  publisher_.Publish(event);
  ASSERT_TRUE(WaitFor([&] { return consumers->Degraded().has_value(); }));
  EXPECT_TRUE(absl::StrContains(*consumers->Degraded(), "database failing"))
      << *consumers->Degraded();
  // Well past max deliver (3) deliveries, each nakked for at most 1-2 s.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  EXPECT_EQ(OpenDeadLetters(), 0) << "a database outage must not park events";
  scratch_.Execute("ALTER TABLE processed_events_away RENAME TO processed_events");
  ASSERT_TRUE(WaitFor([&] { return Effects(event.id()) == 1; }));
  EXPECT_EQ(OpenDeadLetters(), 0);
  EXPECT_TRUE(WaitFor([&] { return !consumers->Degraded().has_value(); }));
}

TEST_F(ConsumerTest, EventsOfATypeWithoutHandlerAreAckedWithoutARecord) {
  HandleStrings();
  auto consumers = StartConsumers();
  ::events::v1::EventEnvelope other = StringEvent("quest", "unused");
  google::protobuf::Int64Value number;
  number.set_value(7);
  other.set_type(number.GetDescriptor()->full_name());
  other.mutable_payload()->PackFrom(number);
  publisher_.Publish(other);
  const ::events::v1::EventEnvelope later = StringEvent("quest", "after it");
  publisher_.Publish(later);
  ASSERT_TRUE(WaitFor([&] { return Effects(later.id()) == 1; }));
  EXPECT_EQ(scratch_.Count(absl::StrCat("SELECT count(*) FROM processed_events WHERE id = '",
                                        other.id(), "'")),
            0)
      << "no effect, so nothing to de-duplicate: no record";
  EXPECT_EQ(calls_.load(), 1);
  EXPECT_EQ(OpenDeadLetters(), 0);
  EXPECT_EQ(StatusOf(*consumers).applied(), 1) << "only the handled event counts as applied";
  // Acked: nothing waits for an ack, and past AckWait (2 s) nothing came back.
  ASSERT_TRUE(WaitFor([&] {
    jsConsumerInfo* info = DurableInfo();
    const bool settled = info != nullptr && info->NumAckPending == 0 && info->NumPending == 0;
    jsConsumerInfo_Destroy(info);
    return settled;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  jsConsumerInfo* info = DurableInfo();
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->Delivered.Consumer, 2u) << "a message was delivered again";
  EXPECT_EQ(info->NumRedelivered, 0);
  jsConsumerInfo_Destroy(info);
}

TEST_F(ConsumerTest, ABatchOfAHundredWithOneFailureAppliesTheRestOnceWithoutSubtransactions) {
  EventStreamSettings settings = settings_;
  settings.consumer_batch = 100;  // the default
  std::atomic<int> failures_left{1};
  std::atomic<int> failing_calls{0};
  std::atomic<int> subtransaction_writes{0};
  handlers_.On<StringValue>("quest",
                            [&](db::WriteTx& tx, const ::events::v1::EventEnvelope& envelope,
                                const StringValue& value) -> absl::Status {
                              if (value.value() == "fails") {
                                failing_calls.fetch_add(1);
                                if (failures_left.fetch_sub(1) > 0)
                                  return absl::UnavailableError("try later");
                              }
                              WriteEffect(tx, envelope, value.value());
                              // A row written under a savepoint carries the subtransaction's xid;
                              // more than 64 of them in one transaction overflow PostgreSQL's
                              // per-backend cache (every snapshot then reads pg_subtrans).
                              if (!tx.Query("SELECT xmin = pg_current_xact_id()::xid FROM effects "
                                            "WHERE event_id = $1::uuid",
                                            envelope.id())[0][0]
                                       .as<bool>()) {
                                subtransaction_writes.fetch_add(1);
                              }
                              return absl::OkStatus();
                            });
  // Published before the consumer starts: one fetch of 100, the failing
  // event in the middle.
  std::vector<std::string> good;
  ::events::v1::EventEnvelope fails = StringEvent("quest", "fails");
  for (int i = 0; i < 99; ++i) {
    if (i == 50) publisher_.Publish(fails);
    const ::events::v1::EventEnvelope event = StringEvent("quest", absl::StrCat("ok ", i));
    good.push_back(event.id());
    publisher_.Publish(event);
  }
  auto consumers = StartConsumers(settings);
  ASSERT_TRUE(WaitFor([&] { return Effects(fails.id()) == 1; }));
  ASSERT_TRUE(WaitFor([&] { return scratch_.Count("SELECT count(*) FROM effects") == 100; }));
  for (const std::string& id : good) EXPECT_EQ(Effects(id), 1) << id;
  EXPECT_EQ(failing_calls.load(), 2) << "one failed delivery, one redelivery that applied";
  EXPECT_EQ(subtransaction_writes.load(), 0) << "events were applied under savepoints";
  EXPECT_EQ(scratch_.Count("SELECT count(*) FROM processed_events"), 100);
  // The 99 of the first delivery: the 50 before the failure in one
  // transaction, the 49 after it in another.
  EXPECT_EQ(scratch_.Count(absl::StrCat(
                "SELECT count(DISTINCT xmin::text) FROM processed_events WHERE id <> '", fails.id(),
                "'")),
            2);
  EXPECT_EQ(OpenDeadLetters(), 0);
  EXPECT_EQ(StatusOf(*consumers).applied(), 100);
}

TEST_F(ConsumerTest, AnEventAppliedByAReplayClosesItsDeadLetterSoARetryCannotApplyItAgain) {
  std::atomic<bool> fixed{false};
  HandleStrings([&](const std::string&) {
    return fixed ? absl::OkStatus() : absl::FailedPreconditionError("not ready");
  });
  auto consumers = StartConsumers();
  const ::events::v1::EventEnvelope event = StringEvent("quest", "parked, then replayed");
  publisher_.Publish(event);
  ASSERT_TRUE(WaitFor([&] { return DeadLetterOf(event.id()).has_value(); }));
  const std::string id = DeadLetterOf(event.id())->id;

  fixed = true;
  // A replay after the duplicate window: the same event, another message.
  publisher_.Publish(event, api::NewUuidV4());
  ASSERT_TRUE(WaitFor([&] { return Effects(event.id()) == 1; }));
  std::optional<DeadLetter> letter = DeadLetterOf(event.id());
  ASSERT_TRUE(letter.has_value());
  EXPECT_EQ(letter->id, id);
  EXPECT_TRUE(letter->retried_at.has_value()) << "applied, but its dead letter is still open";
  EXPECT_EQ(OpenDeadLetters(), 0);

  // Its record pruned (as after EVENTS_PROCESSED_RETENTION_DAYS): a retry
  // of the dead letter must still not apply it a second time.
  scratch_.Execute("DELETE FROM processed_events");
  const bool requested = *database_.Write(
      [&](db::WriteTx& tx) -> absl::StatusOr<bool> { return RequestDeadLetterRetry(tx, id); });
  EXPECT_FALSE(requested) << "a closed dead letter accepted a retry";
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(Effects(event.id()), 1) << "applied twice";
}

TEST_F(ConsumerTest, SetUpIsIdempotentAcrossInstancesAndUpdatesAChangedDurable) {
  HandleStrings();
  // A durable left by an older deployment with another AckWait.
  EventStreamSettings old_settings = settings_;
  old_settings.ack_wait = absl::Seconds(90);
  const EventStreamNames names(settings_.name_space);
  const DurableConsumer durable{names.Stream("quest"), names.StreamSubjects("quest"),
                                names.Durable("notification")};
  ASSERT_TRUE(EnsureDurableConsumer(publisher_.nats(), durable, old_settings).ok());

  // Two instances of the service start at once, a third after them.
  std::unique_ptr<EventConsumers> first, second;
  std::thread a([&] { first = StartConsumers(); });
  std::thread b([&] { second = StartConsumers(); });
  a.join();
  b.join();
  auto third = StartConsumers();
  for (EventConsumers* consumers : {first.get(), second.get(), third.get()}) {
    ASSERT_TRUE(WaitFor([&] { return !StatusOf(*consumers).durable().empty(); }));
  }
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    const ::events::v1::EventEnvelope event = StringEvent("quest", absl::StrCat("e", i));
    ids.push_back(event.id());
    publisher_.Publish(event);
  }
  ASSERT_TRUE(WaitFor([&] { return scratch_.Count("SELECT count(*) FROM effects") == 30; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(scratch_.Count("SELECT count(DISTINCT event_id) FROM effects"), 30);
  EXPECT_EQ(scratch_.Count("SELECT count(*) FROM effects"), 30) << "an event applied twice";
  for (EventConsumers* consumers : {first.get(), second.get(), third.get()}) {
    EXPECT_FALSE(consumers->Degraded().has_value()) << *consumers->Degraded();
    EXPECT_EQ(StatusOf(*consumers).durable(), durable.durable);
  }

  // One durable on the stream, with the current AckWait.
  jsConsumerNamesList* names_list = nullptr;
  ASSERT_EQ(js_ConsumerNames(&names_list, publisher_.nats().jetstream(), durable.stream.c_str(),
                             nullptr, nullptr),
            NATS_OK);
  ASSERT_EQ(names_list->Count, 1);
  EXPECT_EQ(std::string(names_list->List[0]), durable.durable);
  jsConsumerNamesList_Destroy(names_list);
  jsConsumerInfo* info = nullptr;
  ASSERT_EQ(js_GetConsumerInfo(&info, publisher_.nats().jetstream(), durable.stream.c_str(),
                               durable.durable.c_str(), nullptr, nullptr),
            NATS_OK);
  EXPECT_EQ(info->Config->AckWait, absl::ToInt64Nanoseconds(settings_.ack_wait));
  EXPECT_EQ(info->Config->MaxDeliver, -1) << "the consumer parks, not JetStream";
  EXPECT_EQ(info->Config->AckPolicy, js_AckExplicit);
  jsConsumerInfo_Destroy(info);
}

TEST_F(ConsumerTest, PruningDeletesOnlyRecordsOlderThanTheRetention) {
  const std::string old_id = api::NewUuidV4();
  const std::string fresh_id = api::NewUuidV4();
  scratch_.Execute(
      absl::StrCat("INSERT INTO processed_events (id, source, type, processed_at) VALUES ('",
                   old_id, "', 'quest', 't', now() - interval '31 days'), ('", fresh_id,
                   "', 'quest', 't', now() - interval '29 days')"));
  HandleStrings();
  auto consumers = StartConsumers();  // prunes at start, then every few minutes
  ASSERT_TRUE(WaitFor([&] {
    return scratch_.Count(absl::StrCat("SELECT count(*) FROM processed_events WHERE id = '", old_id,
                                       "'")) == 0;
  }));
  EXPECT_EQ(scratch_.Count(
                absl::StrCat("SELECT count(*) FROM processed_events WHERE id = '", fresh_id, "'")),
            1);
}

}  // namespace
}  // namespace qs::events
