// EnsureDurableConsumer (common/events/consumer_setup.h) against a real
// nats-server of the test's own: a consumer's set-up never rewrites the
// source service's stream.
#include "common/events/consumer_setup.h"

#include <chrono>
#include <memory>
#include <thread>

#include "absl/time/clock.h"
#include "common/events/nats_connection.h"
#include "gtest/gtest.h"
#include "tests/support/nats_server.h"

namespace qs::events {
namespace {

int64_t DuplicateWindowNs(NatsConnection& nats, const std::string& stream) {
  jsStreamInfo* info = nullptr;
  jsErrCode error = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, nats.jetstream(), stream.c_str(), nullptr, &error);
  EXPECT_EQ(s, NATS_OK) << natsStatus_GetText(s) << " " << error;
  if (s != NATS_OK) return -1;
  const int64_t duplicates = info->Config->Duplicates;
  jsStreamInfo_Destroy(info);
  return duplicates;
}

TEST(ConsumerSetupTest, AConsumersSetUpLeavesTheSourcesStreamSettingsAlone) {
  qs::testing::NatsServer server;
  absl::StatusOr<std::unique_ptr<NatsConnection>> nats =
      NatsConnection::Connect(server.url(), "consumer-setup-test");
  ASSERT_TRUE(nats.ok()) << nats.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!(*nats)->IsConnected() && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE((*nats)->IsConnected());

  // The source's relay owns the stream: a 5-minute duplicate window.
  EventStreamSettings source;
  source.duplicate_window = absl::Minutes(5);
  source.outbox_retention = absl::Hours(24);
  ASSERT_TRUE((*nats)->EnsureStream("SOCIAL", "social.>", source).ok());

  // A consumer's service runs with other settings.
  EventStreamSettings consumer_settings;
  consumer_settings.duplicate_window = absl::Minutes(2);
  consumer_settings.outbox_retention = absl::Hours(168);
  const DurableConsumer consumer{"SOCIAL", "social.>", "notification"};
  absl::Status set_up = EnsureDurableConsumer(**nats, consumer, consumer_settings);
  ASSERT_TRUE(set_up.ok()) << set_up;
  EXPECT_EQ(DuplicateWindowNs(**nats, "SOCIAL"), absl::ToInt64Nanoseconds(absl::Minutes(5)));

  jsConsumerInfo* info = nullptr;
  jsErrCode error = static_cast<jsErrCode>(0);
  ASSERT_EQ(
      js_GetConsumerInfo(&info, (*nats)->jetstream(), "SOCIAL", "notification", nullptr, &error),
      NATS_OK)
      << "the durable was not made: " << error;
  jsConsumerInfo_Destroy(info);

  // With no stream yet (e.g. the consumer starts first), the consumer makes it.
  const DurableConsumer early{"QUEST", "quest.>", "notification"};
  ASSERT_TRUE(EnsureDurableConsumer(**nats, early, consumer_settings).ok());
  EXPECT_EQ(DuplicateWindowNs(**nats, "QUEST"), absl::ToInt64Nanoseconds(absl::Minutes(2)));
}

}  // namespace
}  // namespace qs::events
