// The outbox relay (common/events/relay.h) against the real primary, a
// scratch database migrated with the common tables, and the suite's real
// nats-server (under a namespace of this test's own).
#include "common/events/relay.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "common/events/event_stream_settings.h"
#include "common/events/outbox.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/events/v1/events.pb.h"
#include "tests/common/events/dropping_proxy.h"
#include "tests/events/stream_reader.h"
#include "tests/support/nats_server.h"
#include "tests/support/test_infra.h"

namespace qs::events {
namespace {

using qs::testing::ReadStream;
using qs::testing::StreamMessage;

google::protobuf::StringValue Payload(const std::string& text) {
  google::protobuf::StringValue payload;
  payload.set_value(text);
  return payload;
}

class RelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status migrated = scratch_.Migrate({"migrations/common"});
    ASSERT_TRUE(migrated.ok()) << migrated;
    settings_.nats_url = qs::testing::TestInfra::Get().nats_url;
    // A namespace per test: its own stream on the shared server.
    settings_.name_space = "r" + absl::AsciiStrToLower(qs::testing::UniqueSuffix());
    settings_.relay_poll_interval = absl::Seconds(60);
    settings_.relay_retry_max = absl::Milliseconds(500);
    settings_.publish_timeout = absl::Seconds(2);
    settings_.outbox_retention = absl::Hours(24);
  }

  std::string Stream() const { return EventStreamNames(settings_.name_space).Stream("quest"); }

  std::unique_ptr<OutboxRelay> StartRelay() {
    auto relay = std::make_unique<OutboxRelay>("quest", settings_, database_, scratch_.Conninfo());
    relay->Start();
    return relay;
  }

  ::events::v1::EventEnvelope Append(const std::string& aggregate, const std::string& text) {
    ::events::v1::EventEnvelope envelope;
    absl::Status status = database_.Write([&](db::WriteTx& tx) -> absl::Status {
      envelope = AppendEvent(tx, "quest", aggregate, Payload(text));
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return envelope;
  }

  pqxx::result Query(const std::string& sql) {
    pqxx::connection connection(scratch_.Conninfo());
    return pqxx::nontransaction(connection).exec(sql);
  }

  int64_t Unpublished() {
    return Query("SELECT count(*) FROM outbox_events WHERE published_at IS NULL")[0][0]
        .as<int64_t>();
  }

  bool PublishedWithin(const std::string& id, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    pqxx::connection connection(scratch_.Conninfo());
    while (absl::Now() < deadline) {
      pqxx::result row = pqxx::nontransaction(connection)
                             .exec_params(
                                 "SELECT published_at IS NOT NULL FROM outbox_events "
                                 "WHERE id = $1",
                                 id);
      if (!row.empty() && row[0][0].as<bool>()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  static bool Eventually(const std::function<bool()>& predicate) {
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (!predicate() && absl::Now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return predicate();
  }

  bool DrainedWithin(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (Unpublished() == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::vector<StreamMessage> StreamMessages() {
    absl::StatusOr<std::vector<StreamMessage>> messages = ReadStream(settings_.nats_url, Stream());
    EXPECT_TRUE(messages.ok()) << messages.status();
    return messages.ok() ? *messages : std::vector<StreamMessage>{};
  }

  qs::testing::ScratchDatabase scratch_{"quest"};
  db::Database database_{scratch_.Config(), "relay-test"};
  EventStreamSettings settings_;
};

TEST_F(RelayTest, ARolledBackWriteIsNeverPublishedACommittedOneIsWithItsEventId) {
  std::unique_ptr<OutboxRelay> relay = StartRelay();
  const std::string aggregate = api::NewUuidV4();
  absl::Status refused = database_.Write([&](db::WriteTx& tx) -> absl::Status {
    AppendEvent(tx, "quest", aggregate, Payload("rolled back"));
    return absl::AbortedError("the change is refused");
  });
  ASSERT_EQ(refused.code(), absl::StatusCode::kAborted);
  const ::events::v1::EventEnvelope committed = Append(aggregate, "committed");
  ASSERT_TRUE(PublishedWithin(committed.id(), absl::Seconds(10)));

  std::vector<StreamMessage> messages = StreamMessages();
  ASSERT_EQ(messages.size(), 1u) << "only the committed event may reach the stream";
  EXPECT_EQ(messages[0].message_id, committed.id());
  EXPECT_EQ(messages[0].subject, settings_.name_space + ".quest.StringValue");
  ::events::v1::EventEnvelope received;
  ASSERT_TRUE(received.ParseFromString(messages[0].data));
  EXPECT_EQ(received.SerializeAsString(), committed.SerializeAsString());

  ::ops::v1::EventStreamStatus status;
  relay->FillStatus(status);
  EXPECT_TRUE(status.relay_connected());
  EXPECT_EQ(status.published(), 1);
  EXPECT_EQ(status.outbox_depth(), 0);
  EXPECT_GT(status.publish_rate_per_second(), 0);
  EXPECT_EQ(status.relay_last_error(), "");
  EXPECT_EQ(relay->Degraded(), std::nullopt);
}

TEST_F(RelayTest, ACommitWakesTheRelayLongBeforeThePoll) {
  std::unique_ptr<OutboxRelay> relay = StartRelay();
  // The first round (at start, empty) is over once a first event is out.
  ASSERT_TRUE(PublishedWithin(Append(api::NewUuidV4(), "warm-up").id(), absl::Seconds(10)));
  std::vector<absl::Duration> latencies;
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const absl::Time committed_before = absl::Now();
    const std::string id = Append(api::NewUuidV4(), "wake " + std::to_string(i)).id();
    ASSERT_TRUE(PublishedWithin(id, absl::Seconds(5))) << "event " << i << " did not leave";
    latencies.push_back(absl::Now() - committed_before);
  }
  std::sort(latencies.begin(), latencies.end());
  // The poll is 60 s: only the NOTIFY can explain these. (The bounds leave
  // room for a commit's fsync stalling on a loaded CI machine: what they
  // rule out is a minute.)
  EXPECT_LT(latencies[latencies.size() / 2], absl::Seconds(1));
  EXPECT_LT(latencies.back(), absl::Seconds(2)) << "slowest of 10";
  EXPECT_EQ(StreamMessages().size(), 11u);
}

TEST_F(RelayTest, TheListenConnectionIsReopenedAfterTheServerDropsIt) {
  const std::string listener = "relay-test-listen-" + qs::testing::UniqueSuffix();
  OutboxRelay relay("quest", settings_, database_,
                    scratch_.Conninfo() + " application_name=" + listener);
  relay.Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (qs::testing::CountBackends(listener) != 1 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(qs::testing::CountBackends(listener), 1);
  pqxx::connection admin(qs::testing::TestInfra::Get().AdminConnectionString(
      qs::testing::TestInfra::Get().primary_port, scratch_.name()));
  pqxx::nontransaction(admin).exec_params(
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = $1",
      listener);
  // Gone (waited for above), then back: the listener retries every second.
  const absl::Time back_deadline = absl::Now() + absl::Seconds(5);
  while (qs::testing::CountBackends(listener) != 1 && absl::Now() < back_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(qs::testing::CountBackends(listener), 1) << "LISTEN connection not reopened";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // The poll is 60 s: a prompt publish means the new connection listens.
  const absl::Time committed = absl::Now();
  ASSERT_TRUE(PublishedWithin(Append(api::NewUuidV4(), "after").id(), absl::Seconds(5)));
  EXPECT_LT(absl::Now() - committed, absl::Seconds(2));
}

TEST_F(RelayTest, TwoRelaysKeepPerAggregateOrderAndPublishEveryEventOnce) {
  settings_.relay_batch_size = 8;  // many small rounds: the relays interleave
  std::unique_ptr<OutboxRelay> first = StartRelay();
  db::Database second_database(scratch_.Config(), "relay-test-2");
  OutboxRelay second("quest", settings_, second_database, scratch_.Conninfo());
  second.Start();

  // Each writer owns its aggregates, so an aggregate's events commit in
  // the order they were created; some transactions append two at once.
  constexpr int kWriters = 4, kAggregatesPerWriter = 3, kTransactions = 60;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::vector<std::string> aggregates;
      std::vector<int> next(kAggregatesPerWriter, 0);
      for (int a = 0; a < kAggregatesPerWriter; ++a) aggregates.push_back(api::NewUuidV4());
      for (int t = 0; t < kTransactions; ++t) {
        const int a = t % kAggregatesPerWriter;
        absl::Status status = database_.Write([&](db::WriteTx& tx) -> absl::Status {
          const int events = 1 + t % 2;
          for (int e = 0; e < events; ++e) {
            AppendEvent(tx, "quest", aggregates[a], Payload(std::to_string(next[a] + e)));
          }
          return absl::OkStatus();
        });
        ASSERT_TRUE(status.ok()) << status;
        next[a] += 1 + t % 2;
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  ASSERT_TRUE(DrainedWithin(absl::Seconds(30))) << Unpublished() << " rows left";

  const int64_t rows = Query("SELECT count(*) FROM outbox_events")[0][0].as<int64_t>();
  std::vector<StreamMessage> messages = StreamMessages();
  EXPECT_EQ(static_cast<int64_t>(messages.size()), rows)
      << "the normal path publishes every event once";
  std::set<std::string> ids;
  std::map<std::string, int> last_of_aggregate;
  for (const StreamMessage& message : messages) {
    EXPECT_TRUE(ids.insert(message.message_id).second) << "twice: " << message.message_id;
    ::events::v1::EventEnvelope envelope;
    ASSERT_TRUE(envelope.ParseFromString(message.data));
    google::protobuf::StringValue payload;
    ASSERT_TRUE(envelope.payload().UnpackTo(&payload));
    const int number = std::stoi(payload.value());
    auto [it, first_seen] = last_of_aggregate.emplace(envelope.aggregate_id(), number);
    if (first_seen) {
      EXPECT_EQ(number, 0) << "aggregate " << envelope.aggregate_id() << " starts late";
    } else {
      EXPECT_EQ(number, it->second + 1) << "aggregate " << envelope.aggregate_id() << " order";
      it->second = number;
    }
  }
  for (const pqxx::row& row : Query("SELECT id::text FROM outbox_events")) {
    EXPECT_EQ(ids.count(row[0].as<std::string>()), 1u) << "lost: " << row[0].as<std::string>();
  }

  ::ops::v1::EventStreamStatus first_status, second_status;
  first->FillStatus(first_status);
  second.FillStatus(second_status);
  EXPECT_EQ(first_status.published() + second_status.published(), rows);
  EXPECT_GT(first_status.published(), 0) << "the second relay did everything";
  EXPECT_GT(second_status.published(), 0) << "the first relay did everything";
}

TEST_F(RelayTest, AfterBrokerLossTheStreamIsMadeAgainAndNewEventsFlow) {
  qs::testing::NatsServer nats;
  settings_.nats_url = nats.url();
  std::unique_ptr<OutboxRelay> relay = StartRelay();
  ASSERT_TRUE(PublishedWithin(Append(api::NewUuidV4(), "before").id(), absl::Seconds(10)));
  nats.Stop();
  nats.WipeStore();
  ASSERT_TRUE(nats.Start());
  const ::events::v1::EventEnvelope after = Append(api::NewUuidV4(), "after");
  ASSERT_TRUE(PublishedWithin(after.id(), absl::Seconds(10)));
  std::vector<StreamMessage> messages = StreamMessages();
  ASSERT_EQ(messages.size(), 1u) << "the wiped stream starts empty (replay is the events command)";
  EXPECT_EQ(messages[0].message_id, after.id());
  EXPECT_TRUE(Eventually([&] { return !relay->Degraded().has_value(); }));
}

// The connection drops right after the first event of aggregate A left,
// which is lost; A's second event, further down the same batch, is
// published after the drop, so libnats buffers it and sends it on the
// reconnect. Were both in flight at once, the stream would store A's second
// event, and the first only in the next round: out of order.
TEST_F(RelayTest, AConnectionDropAfterAnEventNeverLetsALaterOneOfItsAggregateOvertakeIt) {
  qs::testing::NatsServer nats;
  qs::testing::DroppingProxy proxy(nats.port());
  settings_.nats_url = proxy.url();
  settings_.relay_batch_size = 4000;
  settings_.publish_timeout = absl::Seconds(2);
  settings_.relay_retry_max = absl::Milliseconds(100);
  const std::string aggregate = api::NewUuidV4();
  const std::string filler(1000, 'x');
  std::string first_id;
  absl::Status written = database_.Write([&](db::WriteTx& tx) -> absl::Status {
    first_id = AppendEvent(tx, "quest", aggregate, Payload("0")).id();
    // Between them, time for the client to see the drop.
    for (int i = 0; i < 2000; ++i) AppendEvent(tx, "quest", api::NewUuidV4(), Payload(filler));
    AppendEvent(tx, "quest", aggregate, Payload("1"));
    return absl::OkStatus();
  });
  ASSERT_TRUE(written.ok()) << written;
  proxy.DropWhenClientSends(first_id);

  std::unique_ptr<OutboxRelay> relay = StartRelay();
  ASSERT_TRUE(DrainedWithin(absl::Seconds(30))) << Unpublished() << " rows left";
  ASSERT_EQ(proxy.drops(), 1) << "the connection was not dropped";

  std::vector<std::string> order;
  for (const StreamMessage& message : StreamMessages()) {
    ::events::v1::EventEnvelope envelope;
    ASSERT_TRUE(envelope.ParseFromString(message.data));
    if (envelope.aggregate_id() != aggregate) continue;
    google::protobuf::StringValue payload;
    ASSERT_TRUE(envelope.payload().UnpackTo(&payload));
    order.push_back(payload.value());
  }
  EXPECT_EQ(order, (std::vector<std::string>{"0", "1"}));
}

TEST_F(RelayTest, RetentionDeletesOnlyPublishedRowsOlderThanTheWindow) {
  // NATS unreachable: nothing gets published, so the unpublished rows stay
  // unpublished and only the pruning acts.
  settings_.nats_url = absl::StrCat("nats://127.0.0.1:", qs::testing::FreeLoopbackPort());
  Query(
      "INSERT INTO outbox_events (type, aggregate_id, envelope, created_at, published_at) VALUES "
      "('old.published', gen_random_uuid(), '', now() - interval '50 hours', "
      "  now() - interval '49 hours'), "
      "('old.published', gen_random_uuid(), '', now() - interval '26 hours', "
      "  now() - interval '25 hours'), "
      "('recent.published', gen_random_uuid(), '', now() - interval '30 hours', "
      "  now() - interval '23 hours'), "
      "('old.unpublished', gen_random_uuid(), '', now() - interval '72 hours', NULL)");
  std::unique_ptr<OutboxRelay> relay = StartRelay();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (
      absl::Now() < deadline &&
      Query("SELECT count(*) FROM outbox_events WHERE type = 'old.published'")[0][0].as<int64_t>() >
          0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::map<std::string, int64_t> left;
  for (const pqxx::row& row :
       Query("SELECT type, count(*) FROM outbox_events GROUP BY type ORDER BY type")) {
    left[row[0].as<std::string>()] = row[1].as<int64_t>();
  }
  EXPECT_EQ(left,
            (std::map<std::string, int64_t>{{"old.unpublished", 1}, {"recent.published", 1}}));
  EXPECT_EQ(Unpublished(), 1);

  // Meanwhile the relay says why nothing leaves.
  std::optional<std::string> degraded = relay->Degraded();
  ASSERT_TRUE(degraded.has_value());
  EXPECT_NE(degraded->find("NATS unreachable"), std::string::npos) << *degraded;
  ::ops::v1::EventStreamStatus status;
  relay->FillStatus(status);
  EXPECT_FALSE(status.relay_connected());
  EXPECT_EQ(status.outbox_depth(), 1);
  EXPECT_GT(status.oldest_unpublished_age_seconds(), 71 * 3600.0);
  EXPECT_NE(status.relay_last_error(), "");
}

}  // namespace
}  // namespace qs::events
