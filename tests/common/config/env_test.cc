#include "common/config/env.h"

#include <cstdlib>
#include <fstream>
#include <string>

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

// A file of its own under the test's temporary directory.
std::string WriteFile(const std::string& name, const std::string& contents) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = std::string(tmp ? tmp : "/tmp") + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  return path;
}

TEST(ReadSecretTest, TakesTheVariableOrTheFallback) {
  EXPECT_EQ(*ReadSecret(MapEnv({{"DB_PASSWORD", "from-env"}}), "DB_PASSWORD"), "from-env");
  EXPECT_EQ(*ReadSecret(MapEnv({}), "DB_PASSWORD", "fallback"), "fallback");
  EXPECT_EQ(*ReadSecret(MapEnv({}), "DB_PASSWORD"), "");
}

TEST(ReadSecretTest, TakesTheFileWithOneTrailingNewlineRemoved) {
  const std::string plain = WriteFile("plain", "s3cret");
  const std::string echoed = WriteFile("echoed", "s3cret\n");
  const std::string crlf = WriteFile("crlf", "s3cret\r\n");
  const std::string two = WriteFile("two", "s3cret\n\n");
  const std::string inner = WriteFile("inner", " a\nb ");
  EXPECT_EQ(*ReadSecret(MapEnv({{"DB_PASSWORD_FILE", plain}}), "DB_PASSWORD"), "s3cret");
  EXPECT_EQ(*ReadSecret(MapEnv({{"DB_PASSWORD_FILE", echoed}}), "DB_PASSWORD"), "s3cret");
  EXPECT_EQ(*ReadSecret(MapEnv({{"DB_PASSWORD_FILE", crlf}}), "DB_PASSWORD"), "s3cret");
  // Only one: the rest is the secret's own.
  EXPECT_EQ(*ReadSecret(MapEnv({{"DB_PASSWORD_FILE", two}}), "DB_PASSWORD"), "s3cret\n");
  EXPECT_EQ(*ReadSecret(MapEnv({{"DB_PASSWORD_FILE", inner}}), "DB_PASSWORD"), " a\nb ");
}

TEST(ReadSecretTest, AnEmptyFileCountsAsUnset) {
  const std::string empty = WriteFile("empty", "\n");
  EXPECT_EQ(*ReadSecret(MapEnv({{"K_FILE", empty}}), "K", "fallback"), "fallback");
}

TEST(ReadSecretTest, BothSetIsAnErrorNamingBoth) {
  const std::string path = WriteFile("both", "from-file");
  absl::StatusOr<std::string> secret =
      ReadSecret(MapEnv({{"DB_PASSWORD", "from-env"}, {"DB_PASSWORD_FILE", path}}), "DB_PASSWORD");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(secret.status().message(), "DB_PASSWORD and DB_PASSWORD_FILE: both set, give one");
}

TEST(ReadSecretTest, AnUnreadableFileNamesTheVariableAndThePathNeverTheContents) {
  absl::StatusOr<std::string> missing =
      ReadSecret(MapEnv({{"PAGE_TOKEN_KEY_FILE", "/nonexistent/key"}}), "PAGE_TOKEN_KEY");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(),
            "PAGE_TOKEN_KEY_FILE: cannot read /nonexistent/key: No such file or directory");

  const char* tmp = std::getenv("TEST_TMPDIR");
  absl::StatusOr<std::string> directory =
      ReadSecret(MapEnv({{"PAGE_TOKEN_KEY_FILE", tmp ? tmp : "/tmp"}}), "PAGE_TOKEN_KEY");
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.status().message().find("Is a directory"), std::string::npos)
      << directory.status();
}

TEST(ReadSecretTest, SecretsAreSecretTheirFilesPathsAreNot) {
  EXPECT_TRUE(IsSecretVariable("DB_MIGRATION_PASSWORD"));
  EXPECT_TRUE(IsSecretVariable("MIGRATE_ADMIN_URL"));
  EXPECT_FALSE(IsSecretVariable("DB_PASSWORD_FILE"));
  EXPECT_FALSE(IsSecretVariable("PRIVACY_ADMIN_TOKEN_FILE"));
  EXPECT_FALSE(IsSecretVariable("APNS_KEY_FILE"));
}

}  // namespace
}  // namespace qs::config
