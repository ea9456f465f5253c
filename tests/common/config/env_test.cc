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

}  // namespace
}  // namespace qs::config
