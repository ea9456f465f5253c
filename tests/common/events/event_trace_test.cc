// The W3C trace of a call travels with its events (common/events/outbox.h,
// consumer_apply.h), on a scratch database migrated with the common tables:
// AppendEvent copies the current call's traceparent into the envelope, and
// a consumer applies an event with that trace current, so an event its
// handler writes in turn carries it on.
#include <string>

#include "common/api/uuid.h"
#include "common/base/call_context.h"
#include "common/db/database.h"
#include "common/events/consumer_apply.h"
#include "common/events/event_handlers.h"
#include "common/events/outbox.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "proto/events/v1/events.pb.h"
#include "tests/support/test_infra.h"

namespace qs::events {
namespace {

constexpr char kTrace[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

class EventTraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status migrated = scratch_.Migrate({"migrations/common"});
    ASSERT_TRUE(migrated.ok()) << migrated;
  }

  // The one envelope in the outbox about `aggregate_id`.
  ::events::v1::EventEnvelope Stored(const std::string& aggregate_id) {
    pqxx::connection connection(scratch_.Conninfo());
    pqxx::result rows =
        pqxx::nontransaction(connection)
            .exec_params("SELECT envelope FROM outbox_events WHERE aggregate_id = $1",
                         aggregate_id);
    ::events::v1::EventEnvelope envelope;
    EXPECT_EQ(rows.size(), 1u);
    if (rows.size() == 1)
      EXPECT_TRUE(envelope.ParseFromString(pqxx::binarystring(rows[0][0]).str()));
    return envelope;
  }

  absl::Status Append(const std::string& aggregate_id) {
    google::protobuf::StringValue payload;
    payload.set_value("x");
    return database_.Write([&](db::WriteTx& tx) -> absl::Status {
      AppendEvent(tx, "social", aggregate_id, payload);
      return absl::OkStatus();
    });
  }

  qs::testing::ScratchDatabase scratch_{"notification"};
  db::Database database_{scratch_.Config(), "event-trace-test"};
};

TEST_F(EventTraceTest, TheCurrentCallsTraceIsInTheEnvelopeAndNothingOutsideACall) {
  const std::string traced = api::NewUuidV4(), untraced = api::NewUuidV4();
  {
    base::CallContext call;
    call.trace_parent = kTrace;
    const base::ScopedCall current(&call);
    ASSERT_TRUE(Append(traced).ok());
  }
  ASSERT_TRUE(Append(untraced).ok());
  EXPECT_EQ(Stored(traced).trace_parent(), kTrace);
  EXPECT_EQ(Stored(untraced).trace_parent(), "");
}

TEST_F(EventTraceTest, AnEventAConsumerWritesCarriesTheTraceOfTheEventItApplies) {
  const std::string written_by_handler = api::NewUuidV4();
  EventHandlers handlers;
  handlers.On<google::protobuf::StringValue>(
      "social", [&](db::WriteTx& tx, const ::events::v1::EventEnvelope&,
                    const google::protobuf::StringValue& payload) {
        AppendEvent(tx, "notification", written_by_handler, payload);
        return absl::OkStatus();
      });
  ::events::v1::EventEnvelope incoming;
  incoming.set_id(api::NewUuidV4());
  incoming.set_type("google.protobuf.StringValue");
  incoming.set_source("social");
  incoming.set_trace_parent(kTrace);
  google::protobuf::StringValue payload;
  payload.set_value("from social");
  incoming.mutable_payload()->PackFrom(payload);

  ApplyAttempt attempt = ApplyEvent(database_, handlers, "social", incoming);
  ASSERT_TRUE(attempt.result.ok()) << attempt.result.status();
  EXPECT_EQ(*attempt.result, ApplyOutcome::kApplied);
  EXPECT_EQ(Stored(written_by_handler).trace_parent(), kTrace);
  EXPECT_EQ(base::CurrentCall(), nullptr) << "the trace is current only while the handler runs";
}

}  // namespace
}  // namespace qs::events
