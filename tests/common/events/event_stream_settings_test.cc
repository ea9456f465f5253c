#include "common/events/event_stream_settings.h"

#include "gtest/gtest.h"

namespace qs::events {
namespace {

absl::StatusOr<EventStreamSettings> Load(std::map<std::string, std::string> values) {
  return LoadEventStreamSettings(config::MapEnv(std::move(values)));
}

TEST(EventStreamSettingsTest, DefaultsWhenNothingIsSet) {
  absl::StatusOr<EventStreamSettings> settings = Load({});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->nats_url, "nats://127.0.0.1:4222");
  EXPECT_TRUE(settings->enabled);
  EXPECT_EQ(settings->name_space, "");
  EXPECT_EQ(settings->duplicate_window, absl::Minutes(2));
  EXPECT_EQ(settings->outbox_retention, absl::Hours(168));
  EXPECT_EQ(settings->processed_retention, absl::Hours(24 * 30));
  EXPECT_EQ(settings->max_deliver, 5);
  EXPECT_EQ(settings->stream_replicas, 1);
  // The default duplicate window covers the longest retry gap.
  EXPECT_GT(settings->duplicate_window, settings->relay_retry_max + settings->publish_timeout);
}

TEST(EventStreamSettingsTest, ReadsEveryVariable) {
  absl::StatusOr<EventStreamSettings> settings = Load({
      {"NATS_URL", "nats://a:1, nats://b:2"},
      {"EVENTS_ENABLED", "false"},
      {"EVENTS_NAMESPACE", "t_1"},
      {"EVENTS_RELAY_BATCH_SIZE", "64"},
      {"EVENTS_RELAY_POLL_MS", "250"},
      {"EVENTS_RELAY_RETRY_MAX_MS", "2000"},
      {"EVENTS_PUBLISH_TIMEOUT_MS", "1000"},
      {"EVENTS_DUPLICATE_WINDOW_MS", "5000"},
      {"EVENTS_OUTBOX_RETENTION_HOURS", "1.5"},
      {"EVENTS_PROCESSED_RETENTION_DAYS", "2"},
      {"EVENTS_MAX_DELIVER", "3"},
      {"EVENTS_ACK_WAIT_MS", "700"},
      {"EVENTS_CONSUMER_BATCH", "10"},
      {"EVENTS_STREAM_REPLICAS", "3"},
  });
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->nats_url, "nats://a:1, nats://b:2");
  EXPECT_FALSE(settings->enabled);
  EXPECT_EQ(settings->name_space, "t_1");
  EXPECT_EQ(settings->relay_batch_size, 64);
  EXPECT_EQ(settings->relay_poll_interval, absl::Milliseconds(250));
  EXPECT_EQ(settings->relay_retry_max, absl::Seconds(2));
  EXPECT_EQ(settings->publish_timeout, absl::Seconds(1));
  EXPECT_EQ(settings->duplicate_window, absl::Seconds(5));
  EXPECT_EQ(settings->outbox_retention, absl::Minutes(90));
  EXPECT_EQ(settings->processed_retention, absl::Hours(48));
  EXPECT_EQ(settings->max_deliver, 3);
  EXPECT_EQ(settings->ack_wait, absl::Milliseconds(700));
  EXPECT_EQ(settings->consumer_batch, 10);
  EXPECT_EQ(settings->stream_replicas, 3);
}

// Each bad value is refused with a message that starts with its variable.
TEST(EventStreamSettingsTest, RefusesBadValuesNamingTheVariable) {
  const std::map<std::string, std::string> bad[] = {
      {{"NATS_URL", "http://x:1"}},
      {{"EVENTS_ENABLED", "yes"}},
      {{"EVENTS_NAMESPACE", "Upper"}},
      {{"EVENTS_NAMESPACE", "a.b"}},
      {{"EVENTS_RELAY_BATCH_SIZE", "0"}},
      {{"EVENTS_MAX_DELIVER", "many"}},
      {{"EVENTS_STREAM_REPLICAS", "0"}},
      {{"EVENTS_STREAM_REPLICAS", "6"}},
      {{"EVENTS_DUPLICATE_WINDOW_MS", "30000"}},   // < retry max 30 s + publish 5 s
      {{"EVENTS_PROCESSED_RETENTION_DAYS", "5"}},  // < outbox retention 7 days
  };
  for (const auto& values : bad) {
    absl::StatusOr<EventStreamSettings> settings = Load(values);
    ASSERT_FALSE(settings.ok()) << values.begin()->first;
    EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(settings.status().message().substr(0, values.begin()->first.size()),
              values.begin()->first)
        << settings.status();
  }
}

TEST(EventStreamNamesTest, WithoutNamespaceTheNamesAreTheServices) {
  EventStreamNames names("");
  EXPECT_EQ(names.Stream("quest"), "QUEST");
  EXPECT_EQ(names.StreamSubjects("quest"), "quest.>");
  EXPECT_EQ(names.Subject("quest", "quest.v1.PuzzleSolved"), "quest.PuzzleSolved");
  EXPECT_EQ(names.Durable("notification"), "notification");
}

TEST(EventStreamNamesTest, ANamespacePrefixesEveryName) {
  EventStreamNames names("t1");
  EXPECT_EQ(names.Stream("social"), "T1_SOCIAL");
  EXPECT_EQ(names.StreamSubjects("social"), "t1.social.>");
  EXPECT_EQ(names.Subject("social", "social.v1.ChatMessageSent"), "t1.social.ChatMessageSent");
  EXPECT_EQ(names.Durable("notification"), "t1_notification");
}

}  // namespace
}  // namespace qs::events
