#include "common/metrics/metrics_settings.h"

#include <string>

#include "gtest/gtest.h"

namespace qs::metrics {
namespace {

absl::StatusOr<MetricsSettings> Load(const std::string& address) {
  return LoadMetricsSettings(config::MapEnv({{"METRICS_LISTEN_ADDRESS", address}}));
}

TEST(MetricsSettingsTest, IsOffByDefault) {
  absl::StatusOr<MetricsSettings> settings = LoadMetricsSettings(config::MapEnv({}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_FALSE(settings->enabled());
  EXPECT_FALSE(Load("")->enabled()) << "empty counts as unset";
}

TEST(MetricsSettingsTest, TakesLiteralAddressesWithAPort) {
  for (const std::string address : {"127.0.0.1:9464", "0.0.0.0:1", "[::1]:65535", "[::]:9464"}) {
    absl::StatusOr<MetricsSettings> settings = Load(address);
    ASSERT_TRUE(settings.ok()) << address << ": " << settings.status();
    EXPECT_TRUE(settings->enabled());
    EXPECT_EQ(settings->listen_address, address);
  }
}

TEST(MetricsSettingsTest, RefusesAnythingElseNamingTheVariable) {
  for (const std::string address :
       {"9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:+80",
        "127.0.0.1:80x", "localhost:9464", ":9464", "::1:9464", "[::1]", "[nope]:1"}) {
    absl::StatusOr<MetricsSettings> settings = Load(address);
    ASSERT_FALSE(settings.ok()) << address;
    EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(settings.status().message().substr(0, 23), "METRICS_LISTEN_ADDRESS:") << address;
    EXPECT_NE(settings.status().message().find(address), absl::string_view::npos)
        << "names the value: " << settings.status().message();
  }
}

}  // namespace
}  // namespace qs::metrics
