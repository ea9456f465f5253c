#include "notification/delivery_worker_settings.h"

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace qs::notification {
namespace {

TEST(DeliveryWorkerSettingsTest, Defaults) {
  absl::StatusOr<DeliveryWorkerSettings> settings = LoadDeliveryWorkerSettings(config::MapEnv({}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_TRUE(settings->enabled);
  EXPECT_EQ(settings->poll_interval, absl::Milliseconds(200));
  EXPECT_EQ(settings->batch_size, 100);
  EXPECT_EQ(settings->lease, absl::Seconds(60));
  EXPECT_EQ(settings->send_threads, 8);
  EXPECT_FALSE(settings->providers.fcm.enabled);  // the log provider
}

TEST(DeliveryWorkerSettingsTest, ReadsEveryVariable) {
  absl::StatusOr<DeliveryWorkerSettings> settings =
      LoadDeliveryWorkerSettings(config::MapEnv({{"DELIVERY_WORKER_ENABLED", "false"},
                                                 {"DELIVERY_POLL_MS", "50"},
                                                 {"DELIVERY_BATCH_SIZE", "7"},
                                                 {"DELIVERY_LEASE_MS", "30000"},
                                                 {"PUSH_REQUEST_TIMEOUT_MS", "5000"},
                                                 {"DELIVERY_SEND_THREADS", "3"},
                                                 {"DELIVERY_PAUSE_RECHECK_MS", "5000"}}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_FALSE(settings->enabled);
  EXPECT_EQ(settings->poll_interval, absl::Milliseconds(50));
  EXPECT_EQ(settings->batch_size, 7);
  EXPECT_EQ(settings->lease, absl::Seconds(30));
  EXPECT_EQ(settings->send_threads, 3);
  EXPECT_EQ(settings->pause_recheck, absl::Seconds(5));
}

TEST(DeliveryWorkerSettingsTest, ErrorsNameTheVariable) {
  for (const auto& [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"DELIVERY_WORKER_ENABLED", "yes"},
                                                        {"DELIVERY_POLL_MS", "0"},
                                                        {"DELIVERY_BATCH_SIZE", "1001"},
                                                        {"DELIVERY_LEASE_MS", "soon"},
                                                        {"DELIVERY_SEND_THREADS", "0"},
                                                        {"DELIVERY_PAUSE_RECHECK_MS", "-1"}}) {
    absl::StatusOr<DeliveryWorkerSettings> settings =
        LoadDeliveryWorkerSettings(config::MapEnv({{name, value}}));
    ASSERT_FALSE(settings.ok()) << name;
    EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(settings.status().message().find(name), absl::string_view::npos) << settings.status();
  }
}

TEST(DeliveryWorkerSettingsTest, TheLeaseMustOutlastTheLongestSend) {
  // The longest send: 1 s permit wait + 4 requests of 10 s; then a 1 s
  // margin, so the first row of each send thread always fits its lease.
  EXPECT_EQ(WorstCaseSend(delivery::DeliverySettings{}), absl::Seconds(41));
  absl::StatusOr<DeliveryWorkerSettings> settings = LoadDeliveryWorkerSettings(
      config::MapEnv({{"PUSH_REQUEST_TIMEOUT_MS", "10000"}, {"DELIVERY_LEASE_MS", "41999"}}));
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(settings.status().message().find("DELIVERY_LEASE_MS"), absl::string_view::npos);
  EXPECT_NE(settings.status().message().find("42000 ms"), absl::string_view::npos)
      << settings.status();
  EXPECT_TRUE(LoadDeliveryWorkerSettings(config::MapEnv({{"PUSH_REQUEST_TIMEOUT_MS", "10000"},
                                                         {"DELIVERY_LEASE_MS", "42000"}}))
                  .ok());
}

}  // namespace
}  // namespace qs::notification
