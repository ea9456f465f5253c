// The transactional outbox (common/events/outbox.h) on a scratch database
// migrated with the common tables: an event commits or rolls back with the
// change it describes, and the stored envelope says what it promises.
#include "common/events/outbox.h"

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "common/events/outbox_doorbell.h"
#include "google/protobuf/util/time_util.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/events/v1/events.pb.h"
#include "tests/support/test_infra.h"

namespace qs::events {
namespace {

using google::protobuf::util::TimeUtil;

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status migrated = scratch_.Migrate({"migrations/common"});
    ASSERT_TRUE(migrated.ok()) << migrated;
  }

  // Rows of the outbox about `aggregate_id`, read on the primary.
  pqxx::result Rows(const std::string& aggregate_id) {
    pqxx::connection connection(scratch_.Conninfo());
    return pqxx::nontransaction(connection)
        .exec_params(
            "SELECT id::text, type, aggregate_id::text, envelope, published_at IS NULL "
            "FROM outbox_events WHERE aggregate_id = $1 ORDER BY created_at",
            aggregate_id);
  }

  static google::protobuf::StringValue Payload(const std::string& text) {
    google::protobuf::StringValue payload;
    payload.set_value(text);
    return payload;
  }

  qs::testing::ScratchDatabase scratch_{"quest"};
  db::Database database_{scratch_.Config(), "outbox-test"};
  const std::string aggregate_ = api::NewUuidV4();
};

TEST_F(OutboxTest, ARolledBackChangeLeavesNoEvent) {
  absl::Status status = database_.Write([&](db::WriteTx& tx) -> absl::Status {
    AppendEvent(tx, "quest", aggregate_, Payload("never"));
    return absl::FailedPreconditionError("the change is refused after all");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Rows(aggregate_).size(), 0u) << "an event without its change";

  // Nor when a later statement of the change fails.
  status = database_.Write([&](db::WriteTx& tx) -> absl::Status {
    AppendEvent(tx, "quest", aggregate_, Payload("never either"));
    tx.Query("SELECT 1 / 0");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(Rows(aggregate_).size(), 0u);
}

// An envelope NATS could never take (max_payload) would stay in the outbox
// for good, in front of its aggregate's later events: refused at the write.
TEST_F(OutboxTest, AnEnvelopeOverTheLimitFailsTheChange) {
  absl::Status status = database_.Write([&](db::WriteTx& tx) -> absl::Status {
    AppendEvent(tx, "quest", aggregate_, Payload(std::string(kMaxEnvelopeBytes, 'x')));
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_NE(status.message().find("over the outbox's limit"), absl::string_view::npos) << status;
  EXPECT_EQ(Rows(aggregate_).size(), 0u);

  // Just under the limit is fine.
  status = database_.Write([&](db::WriteTx& tx) -> absl::Status {
    AppendEvent(tx, "quest", aggregate_, Payload(std::string(kMaxEnvelopeBytes - 1024, 'x')));
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(Rows(aggregate_).size(), 1u);
}

TEST_F(OutboxTest, ACommittedChangeLeavesOneEnvelopeThatSaysWhatHappened) {
  const absl::Time before = absl::Now();
  ::events::v1::EventEnvelope returned;
  absl::Status status = database_.Write([&](db::WriteTx& tx) -> absl::Status {
    returned = AppendEvent(tx, "quest", aggregate_, Payload("solved"));
    return absl::OkStatus();
  });
  const absl::Time after = absl::Now();
  ASSERT_TRUE(status.ok()) << status;

  pqxx::result rows = Rows(aggregate_);
  ASSERT_EQ(rows.size(), 1u);
  ::events::v1::EventEnvelope stored;
  ASSERT_TRUE(stored.ParseFromString(pqxx::binarystring(rows[0][3]).str()))
      << "the envelope column does not parse";
  EXPECT_EQ(stored.SerializeAsString(), returned.SerializeAsString())
      << "AppendEvent returned another envelope than it stored";

  EXPECT_TRUE(api::IsUuid(stored.id())) << stored.id();
  EXPECT_EQ(rows[0][0].as<std::string>(), stored.id()) << "row id = envelope id";
  EXPECT_EQ(stored.type(), "google.protobuf.StringValue");
  EXPECT_EQ(rows[0][1].as<std::string>(), stored.type());
  EXPECT_EQ(stored.source(), "quest");
  EXPECT_EQ(stored.aggregate_id(), aggregate_);
  EXPECT_EQ(rows[0][2].as<std::string>(), aggregate_);
  const absl::Time occurred =
      absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(stored.occurred_at()));
  EXPECT_GE(occurred, before - absl::Milliseconds(1));
  EXPECT_LE(occurred, after + absl::Milliseconds(1));
  google::protobuf::StringValue payload;
  ASSERT_TRUE(stored.payload().UnpackTo(&payload)) << stored.payload().type_url();
  EXPECT_EQ(payload.value(), "solved");
  EXPECT_TRUE(rows[0][4].as<bool>()) << "a new event is not published yet";
}

TEST_F(OutboxTest, EventsOfOneChangeGetTheirOwnIdsInOrder) {
  ASSERT_TRUE(database_
                  .Write([&](db::WriteTx& tx) -> absl::Status {
                    AppendEvent(tx, "quest", aggregate_, Payload("first"));
                    AppendEvent(tx, "quest", aggregate_, Payload("second"));
                    return absl::OkStatus();
                  })
                  .ok());
  pqxx::result rows = Rows(aggregate_);
  ASSERT_EQ(rows.size(), 2u);
  std::vector<std::string> values;
  for (const pqxx::row& row : rows) {
    ::events::v1::EventEnvelope envelope;
    ASSERT_TRUE(envelope.ParseFromString(pqxx::binarystring(row[3]).str()));
    google::protobuf::StringValue payload;
    ASSERT_TRUE(envelope.payload().UnpackTo(&payload));
    values.push_back(payload.value());
  }
  EXPECT_EQ(values, (std::vector<std::string>{"first", "second"}));
  EXPECT_NE(rows[0][0].as<std::string>(), rows[1][0].as<std::string>());
}

// Counts the NOTIFYs on outbox_events that reach a LISTEN, by sender.
class OutboxNotifications : public pqxx::notification_receiver {
 public:
  explicit OutboxNotifications(pqxx::connection& connection)
      : pqxx::notification_receiver(connection, "outbox_events") {}
  void operator()(const std::string&, int backend_pid) override { senders.push_back(backend_pid); }
  std::vector<int> senders;
};

TEST_F(OutboxTest, WithARelayInTheProcessTheCommitRingsTheDoorbellInsteadOfNotifying) {
  pqxx::connection listening(scratch_.Conninfo());
  OutboxNotifications notifications(listening);
  pqxx::connection control(scratch_.Conninfo());
  int rings = 0;
  const int token = OutboxDoorbell::Process().Subscribe([&] { ++rings; });

  absl::Status status = database_.Write([&](db::WriteTx& tx) -> absl::Status {
    AppendEvent(tx, "quest", aggregate_, Payload("rung"));
    EXPECT_EQ(rings, 0) << "not before the commit";
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(rings, 1);
  status = database_.Write([&](db::WriteTx& tx) -> absl::Status {
    AppendEvent(tx, "quest", aggregate_, Payload("rolled back"));
    return absl::AbortedError("no");
  });
  EXPECT_EQ(rings, 1) << "a rollback rings nothing";
  OutboxDoorbell::Process().Unsubscribe(token);

  // An insert from anywhere else still notifies: the control. Notifications
  // arrive in commit order, so the event above, had it notified, would
  // have arrived first.
  pqxx::nontransaction(control).exec(
      "INSERT INTO outbox_events (id, type, aggregate_id, envelope) "
      "VALUES (gen_random_uuid(), 'control', gen_random_uuid(), '')");
  for (int i = 0; i < 50 && notifications.senders.empty(); ++i)
    listening.await_notification(0, 100'000);
  EXPECT_EQ(notifications.senders, std::vector<int>{control.backendpid()});
  EXPECT_EQ(Rows(aggregate_).size(), 1u);
}

TEST_F(OutboxTest, WithoutARelayInTheProcessTheCommitNotifies) {
  pqxx::connection listening(scratch_.Conninfo());
  OutboxNotifications notifications(listening);
  ASSERT_FALSE(OutboxDoorbell::Process().HasSubscribers());
  absl::Status status = database_.Write([&](db::WriteTx& tx) -> absl::Status {
    AppendEvent(tx, "quest", aggregate_, Payload("notified"));
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  for (int i = 0; i < 50 && notifications.senders.empty(); ++i)
    listening.await_notification(0, 100'000);
  EXPECT_EQ(notifications.senders.size(), 1u);
}

}  // namespace
}  // namespace qs::events
