// The outbox relay end to end: the real social binary (its writes append
// events to its outbox) on a scratch database of the test's own, a
// nats-server of the test's own that is stopped for 30 s, and a service
// killed (-9) between publishing and marking. Read back with js_GetMsg.
//
// A scratch database, not social_db: every social server of the suite
// relays social_db's outbox, so another test's server would publish (to
// its own namespace) the rows this test counts.
#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/events/event_stream_settings.h"
#include "gtest/gtest.h"
#include "proto/ops/v1/diagnostics.grpc.pb.h"
#include "proto/social/v1/friends.grpc.pb.h"
#include "tests/events/stream_reader.h"
#include "tests/support/nats_server.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

class RelayEndToEndTest : public ServiceFixture {
 protected:
  std::map<std::string, std::string> Env() const {
    return {{"DB_NAME", scratch_.name()},
            {"NATS_URL", nats_.url()},
            {"EVENTS_RELAY_RETRY_MAX_MS", "500"},
            {"EVENTS_PUBLISH_TIMEOUT_MS", "1000"}};
  }

  static std::string Stream() {
    return events::EventStreamNames(TestEventNamespace()).Stream("social");
  }

  // One SendFriendRequest between two new users: one outbox event.
  static grpc::Status SendFriendRequest(::social::v1::FriendService::Stub& friends) {
    ::social::v1::SendFriendRequestRequest request;
    request.set_user_id(api::NewUuidV4());
    ::social::v1::Friendship friendship;
    return friends.SendFriendRequest(As(api::NewUuidV4(), absl::Seconds(5)).get(), request,
                                     &friendship);
  }

  static ::ops::v1::GetServiceInfoResponse Info(::ops::v1::Diagnostics::Stub& diagnostics) {
    ::ops::v1::GetServiceInfoResponse info;
    grpc::Status status = diagnostics.GetServiceInfo(As("").get(), {}, &info);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return info;
  }

  static bool HasRelayDegradation(const ::ops::v1::GetServiceInfoResponse& info) {
    for (const auto& degradation : info.degradations()) {
      if (degradation.component() == "relay") return true;
    }
    return false;
  }

  // Outbox ids of the scratch database, and how many are unpublished.
  std::set<std::string> OutboxIds() {
    std::set<std::string> ids;
    for (const auto& row : QueryPrimary(scratch_.name(), "SELECT id::text FROM outbox_events")) {
      ids.insert(row[0].as<std::string>());
    }
    return ids;
  }
  int64_t Unpublished() {
    return QueryPrimary(scratch_.name(),
                        "SELECT count(*) FROM outbox_events WHERE published_at IS NULL")[0][0]
        .as<int64_t>();
  }

  std::vector<StreamMessage> StreamMessages() {
    absl::StatusOr<std::vector<StreamMessage>> messages = ReadStream(nats_.url(), Stream());
    EXPECT_TRUE(messages.ok()) << messages.status();
    return messages.ok() ? *messages : std::vector<StreamMessage>{};
  }

  NatsServer nats_;
  ScratchDatabase scratch_{"social"};
};

TEST_F(RelayEndToEndTest, NatsDownForThirtySecondsLosesNoEventAndPublishesNoneTwice) {
  std::unique_ptr<ServiceProcess> social = StartService("social", Env());
  auto channel = ChannelTo(*social);
  auto friends = ::social::v1::FriendService::NewStub(channel);
  auto diagnostics = ::ops::v1::Diagnostics::NewStub(channel);

  std::atomic<bool> stop_writing{false};
  std::atomic<int> written{0};
  std::vector<std::string> failures;
  std::thread writer([&] {
    while (!stop_writing.load()) {
      grpc::Status status = SendFriendRequest(*friends);
      if (status.ok()) {
        written.fetch_add(1);
      } else {
        failures.push_back(status.error_message());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  });

  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_FALSE(HasRelayDegradation(Info(*diagnostics))) << "degraded before the outage";
  nats_.Stop();
  const absl::Time stopped = absl::Now();
  EXPECT_TRUE(Eventually([&] { return HasRelayDegradation(Info(*diagnostics)); }, absl::Seconds(5)))
      << "no relay degradation while NATS is down";
  std::this_thread::sleep_for(
      absl::ToChronoNanoseconds(absl::Seconds(30) - (absl::Now() - stopped)));
  ::ops::v1::GetServiceInfoResponse during = Info(*diagnostics);
  EXPECT_TRUE(HasRelayDegradation(during));
  EXPECT_FALSE(during.event_stream().relay_connected());
  EXPECT_GT(during.event_stream().outbox_depth(), 100) << "the outbox holds the events";
  EXPECT_GT(during.event_stream().oldest_unpublished_age_seconds(), 25);

  ASSERT_TRUE(nats_.Start());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stop_writing.store(true);
  writer.join();

  EXPECT_TRUE(Eventually([&] { return Unpublished() == 0; }, absl::Seconds(20)))
      << Unpublished() << " events still unpublished";
  EXPECT_TRUE(
      Eventually([&] { return !HasRelayDegradation(Info(*diagnostics)); }, absl::Seconds(5)))
      << "still degraded after NATS came back";
  ::ops::v1::GetServiceInfoResponse after = Info(*diagnostics);
  EXPECT_TRUE(after.event_stream().relay_connected());
  EXPECT_EQ(after.event_stream().outbox_depth(), 0);
  EXPECT_EQ(after.event_stream().relay_last_error(), "");

  EXPECT_TRUE(failures.empty()) << failures.size() << " writes failed, e.g. " << failures[0];
  const std::set<std::string> outbox = OutboxIds();
  EXPECT_EQ(static_cast<int>(outbox.size()), written.load()) << "one event per request";
  std::vector<StreamMessage> messages = StreamMessages();
  std::set<std::string> on_stream;
  for (const StreamMessage& message : messages) {
    EXPECT_TRUE(on_stream.insert(message.message_id).second) << "twice: " << message.message_id;
  }
  EXPECT_EQ(messages.size(), outbox.size());
  EXPECT_EQ(on_stream, outbox) << "events lost or foreign";
  EXPECT_EQ(after.event_stream().published(), static_cast<int64_t>(outbox.size()));
}

TEST_F(RelayEndToEndTest, AKillBetweenPublishAndMarkRepublishesAndTheStreamKeepsOneCopy) {
  std::map<std::string, std::string> env = Env();
  env["EVENTS_TEST_CRASH_AFTER_PUBLISH"] = "1";
  std::unique_ptr<ServiceProcess> crashing = StartService("social", env);
  auto friends = ::social::v1::FriendService::NewStub(ChannelTo(*crashing));
  grpc::Status sent = SendFriendRequest(*friends);
  ASSERT_TRUE(sent.ok()) << sent.error_message() << "\n" << crashing->Log();
  EXPECT_EQ(crashing->WaitForExit(absl::Seconds(10)), -SIGKILL)
      << "the hook did not kill the service:\n"
      << crashing->Log();

  const std::set<std::string> outbox = OutboxIds();
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(Unpublished(), 1) << "killed before the mark, yet marked";
  std::vector<StreamMessage> before = StreamMessages();
  ASSERT_EQ(before.size(), 1u) << "published before the kill";
  EXPECT_EQ(before[0].message_id, *outbox.begin());

  env.erase("EVENTS_TEST_CRASH_AFTER_PUBLISH");
  std::unique_ptr<ServiceProcess> restarted = StartService("social", env);
  EXPECT_TRUE(Eventually([&] { return Unpublished() == 0; }, absl::Seconds(10)))
      << restarted->Log();
  auto diagnostics = ::ops::v1::Diagnostics::NewStub(ChannelTo(*restarted));
  EXPECT_EQ(Info(*diagnostics).event_stream().published(), 1) << "re-published after restart";
  std::vector<StreamMessage> after = StreamMessages();
  ASSERT_EQ(after.size(), 1u) << "the duplicate window did not drop the re-publish";
  EXPECT_EQ(after[0].sequence, before[0].sequence);
}

}  // namespace
}  // namespace qs::testing
