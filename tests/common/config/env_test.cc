#include "common/config/env.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace qs::config {
namespace {

TEST(EnvTest, EmptyValueCountsAsUnset) {
  EnvLookup env = MapEnv({{"A", ""}, {"B", "x"}});
  EXPECT_FALSE(env("A").has_value());
  EXPECT_EQ(ReadString(env, "A", "fallback"), "fallback");
  EXPECT_EQ(ReadString(env, "B", "fallback"), "x");
}

TEST(EnvTest, ProcessEnvReadsTheRealEnvironment) {
  setenv("QS_ENV_TEST_VALUE", "42", 1);
  EnvLookup env = ProcessEnv();
  absl::StatusOr<int64_t> value = ReadInt(env, "QS_ENV_TEST_VALUE", 0, 0, 100);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 42);
  unsetenv("QS_ENV_TEST_VALUE");
  EXPECT_EQ(*ReadInt(env, "QS_ENV_TEST_VALUE", 7, 0, 100), 7);
}

TEST(EnvTest, MillisBecomeDurations) {
  EnvLookup env = MapEnv({{"T", "250"}});
  EXPECT_EQ(*ReadMillis(env, "T", 1, 0, 1000), absl::Milliseconds(250));
  EXPECT_FALSE(ReadMillis(env, "T", 1, 0, 100).ok());
}

TEST(EnvTest, BooleansAreTrueOrFalseAndNameTheVariable) {
  EnvLookup env = MapEnv({{"ON", "true"}, {"OFF", "0"}, {"BAD", "yes"}});
  EXPECT_TRUE(*ReadBool(env, "ON", false));
  EXPECT_FALSE(*ReadBool(env, "OFF", true));
  EXPECT_TRUE(*ReadBool(env, "UNSET", true));
  absl::StatusOr<bool> bad = ReadBool(env, "BAD", true);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "BAD: expected true or false, got \"yes\"");
}

TEST(EnvTest, DecimalsAcceptFractionsAndNameTheVariable) {
  EnvLookup env = MapEnv({{"H", "0.001"}, {"BAD", "soon"}, {"NAN", "nan"}});
  EXPECT_DOUBLE_EQ(*ReadDecimal(env, "H", 720, 0.0001, 1000), 0.001);
  EXPECT_DOUBLE_EQ(*ReadDecimal(env, "UNSET", 720, 0.0001, 1000), 720);
  absl::StatusOr<double> bad = ReadDecimal(env, "BAD", 1, 0, 10);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("BAD"), std::string::npos);
  EXPECT_FALSE(ReadDecimal(env, "NAN", 1, 0, 10).ok());
  absl::StatusOr<double> out_of_range = ReadDecimal(env, "H", 1, 1, 10);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_NE(out_of_range.status().message().find("between 1 and 10"), std::string::npos);
}

}  // namespace
}  // namespace qs::config
