// NatsConnection (common/events/nats_connection.h) against a real
// nats-server of the test's own (it is stopped and started here).
#include "common/events/nats_connection.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/nats_server.h"

namespace qs::events {
namespace {

bool ConnectedWithin(const NatsConnection& nats, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (nats.IsConnected()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return nats.IsConnected();
}

// The stream's config as the server has it.
struct StreamConfig {
  std::string subjects;
  int64_t duplicates_ns = 0;
  int64_t max_age_ns = 0;
  bool file_storage = false;
};

StreamConfig ReadConfig(NatsConnection& nats, const std::string& stream) {
  jsStreamInfo* info = nullptr;
  jsErrCode error = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, nats.jetstream(), stream.c_str(), nullptr, &error);
  EXPECT_EQ(s, NATS_OK) << natsStatus_GetText(s) << " " << error;
  StreamConfig config;
  if (s != NATS_OK) return config;
  if (info->Config->SubjectsLen == 1) config.subjects = info->Config->Subjects[0];
  config.duplicates_ns = info->Config->Duplicates;
  config.max_age_ns = info->Config->MaxAge;
  config.file_storage = info->Config->Storage == js_FileStorage;
  jsStreamInfo_Destroy(info);
  return config;
}

TEST(NatsConnectionTest, ConnectSucceedsWhileTheServerIsDownAndConnectsWhenItComesUp) {
  qs::testing::NatsServer server;
  server.Stop();
  absl::StatusOr<std::unique_ptr<NatsConnection>> nats =
      NatsConnection::Connect(server.url(), "nats-connection-test");
  ASSERT_TRUE(nats.ok()) << nats.status();
  std::atomic<int> connected_calls{0};
  (*nats)->SetOnConnected([&] { connected_calls.fetch_add(1); });
  EXPECT_FALSE((*nats)->IsConnected());

  // Calls fail fast while it is down.
  const absl::Time before = absl::Now();
  absl::Status ensured = (*nats)->EnsureStream("DOWN", "down.>", EventStreamSettings{});
  EXPECT_EQ(ensured.code(), absl::StatusCode::kUnavailable) << ensured;
  EXPECT_LT(absl::Now() - before, absl::Milliseconds(500));

  ASSERT_TRUE(server.Start());
  EXPECT_TRUE(ConnectedWithin(**nats, absl::Seconds(5)));
  EXPECT_EQ(connected_calls.load(), 1);

  // And again after the server went away and came back (reconnect).
  server.Stop();
  const absl::Time down_deadline = absl::Now() + absl::Seconds(5);
  while ((*nats)->IsConnected() && absl::Now() < down_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE((*nats)->IsConnected());
  ASSERT_TRUE(server.Start());
  EXPECT_TRUE(ConnectedWithin(**nats, absl::Seconds(5)));
  const absl::Time callback_deadline = absl::Now() + absl::Seconds(2);
  while (connected_calls.load() < 2 && absl::Now() < callback_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(connected_calls.load(), 2);
}

// NATS_URL may list a cluster's servers, comma-separated: a connection
// reaches whichever of them is up (the scale-out compose profile names
// three nodes, one of which may be down).
TEST(NatsConnectionTest, ACommaSeparatedListConnectsToAServerThatIsUp) {
  qs::testing::NatsServer down;
  qs::testing::NatsServer up;
  down.Stop();
  absl::StatusOr<std::unique_ptr<NatsConnection>> nats =
      NatsConnection::Connect(down.url() + ", " + up.url(), "nats-connection-test");
  ASSERT_TRUE(nats.ok()) << nats.status();
  EXPECT_TRUE(ConnectedWithin(**nats, absl::Seconds(10)));
}

TEST(NatsConnectionTest, EnsureStreamCreatesOnceAndUpdatesWhatChanged) {
  qs::testing::NatsServer server;
  absl::StatusOr<std::unique_ptr<NatsConnection>> nats =
      NatsConnection::Connect(server.url(), "nats-connection-test");
  ASSERT_TRUE(nats.ok()) << nats.status();
  ASSERT_TRUE(ConnectedWithin(**nats, absl::Seconds(5)));

  EventStreamSettings settings;
  settings.duplicate_window = absl::Minutes(2);
  settings.outbox_retention = absl::Hours(168);
  ASSERT_TRUE((*nats)->EnsureStream("QUEST", "quest.>", settings).ok());
  ASSERT_TRUE((*nats)->EnsureStream("QUEST", "quest.>", settings).ok()) << "not idempotent";
  StreamConfig config = ReadConfig(**nats, "QUEST");
  EXPECT_EQ(config.subjects, "quest.>");
  EXPECT_EQ(config.duplicates_ns, absl::ToInt64Nanoseconds(absl::Minutes(2)));
  EXPECT_EQ(config.max_age_ns, absl::ToInt64Nanoseconds(absl::Hours(168)));
  EXPECT_TRUE(config.file_storage);

  settings.duplicate_window = absl::Minutes(5);
  settings.outbox_retention = absl::Hours(24);
  absl::Status updated = (*nats)->EnsureStream("QUEST", "quest.>", settings);
  ASSERT_TRUE(updated.ok()) << updated;
  config = ReadConfig(**nats, "QUEST");
  EXPECT_EQ(config.duplicates_ns, absl::ToInt64Nanoseconds(absl::Minutes(5)));
  EXPECT_EQ(config.max_age_ns, absl::ToInt64Nanoseconds(absl::Hours(24)));

  // Broker loss: the stream is gone after a wipe, and is made again.
  server.Stop();
  server.WipeStore();
  ASSERT_TRUE(server.Start());
  ASSERT_TRUE(ConnectedWithin(**nats, absl::Seconds(5)));
  ASSERT_TRUE((*nats)->EnsureStream("QUEST", "quest.>", settings).ok());
  EXPECT_EQ(ReadConfig(**nats, "QUEST").duplicates_ns, absl::ToInt64Nanoseconds(absl::Minutes(5)));
}

TEST(NatsConnectionTest, EnsureStreamExistsCreatesAMissingStreamAndLeavesAnExistingOne) {
  qs::testing::NatsServer server;
  absl::StatusOr<std::unique_ptr<NatsConnection>> nats =
      NatsConnection::Connect(server.url(), "nats-connection-test");
  ASSERT_TRUE(nats.ok()) << nats.status();
  ASSERT_TRUE(ConnectedWithin(**nats, absl::Seconds(5)));

  EventStreamSettings owner;
  owner.duplicate_window = absl::Minutes(5);
  owner.outbox_retention = absl::Hours(24);
  ASSERT_TRUE((*nats)->EnsureStreamExists("SOCIAL", "social.>", owner).ok()) << "missing: made";
  EXPECT_EQ(ReadConfig(**nats, "SOCIAL").duplicates_ns, absl::ToInt64Nanoseconds(absl::Minutes(5)));

  EventStreamSettings other;
  other.duplicate_window = absl::Minutes(2);
  other.outbox_retention = absl::Hours(168);
  absl::Status exists = (*nats)->EnsureStreamExists("SOCIAL", "social.>", other);
  ASSERT_TRUE(exists.ok()) << exists;
  StreamConfig config = ReadConfig(**nats, "SOCIAL");
  EXPECT_EQ(config.duplicates_ns, absl::ToInt64Nanoseconds(absl::Minutes(5)));
  EXPECT_EQ(config.max_age_ns, absl::ToInt64Nanoseconds(absl::Hours(24)));
}

TEST(NatsConnectionTest, SetOnConnectedWaitsForARunningCallbackAndTheOldOneNeverRunsAgain) {
  qs::testing::NatsServer server;
  server.Stop();
  absl::StatusOr<std::unique_ptr<NatsConnection>> nats =
      NatsConnection::Connect(server.url(), "nats-connection-test");
  ASSERT_TRUE(nats.ok()) << nats.status();
  std::atomic<int> entered{0};
  std::atomic<int> finished{0};
  (*nats)->SetOnConnected([&] {
    entered.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    finished.fetch_add(1);
  });
  ASSERT_TRUE(server.Start());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (entered.load() == 0 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(entered.load(), 1);
  // Like the relay's Stop: detach while the callback runs, then its target
  // (here the counters) may go.
  (*nats)->SetOnConnected(nullptr);
  EXPECT_EQ(finished.load(), 1) << "SetOnConnected returned while the old callback still ran";

  server.Stop();
  ASSERT_TRUE(server.Start());
  ASSERT_TRUE(ConnectedWithin(**nats, absl::Seconds(5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(entered.load(), 1) << "the detached callback ran on the reconnect";
}

TEST(StatusFromNatsTest, ConnectionTroubleIsUnavailableTimeoutsDeadlineTheRestInternal) {
  EXPECT_TRUE(StatusFromNats(NATS_OK, "x").ok());
  EXPECT_EQ(StatusFromNats(NATS_NO_SERVER, "connect").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromNats(NATS_CONNECTION_CLOSED, "x").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromNats(NATS_NO_RESPONDERS, "x").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(StatusFromNats(NATS_TIMEOUT, "x").code(), absl::StatusCode::kDeadlineExceeded);
  absl::Status other = StatusFromNats(NATS_ERR, "create stream S", JSStreamNameExistErr);
  EXPECT_EQ(other.code(), absl::StatusCode::kInternal);
  EXPECT_NE(other.message().find("create stream S"), absl::string_view::npos) << other;
  EXPECT_NE(other.message().find("10058"), absl::string_view::npos) << other;
}

}  // namespace
}  // namespace qs::events
