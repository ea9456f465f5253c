// Every DB_* variable's default and every class of bad value.
#include "common/config/db_config.h"

#include "gtest/gtest.h"

namespace qs::config {
namespace {

std::map<std::string, std::string> Minimal() {
  return {{"DB_NAME", "quest_db"}, {"DB_USER", "quest_svc"}};
}

absl::StatusOr<DbConfig> LoadWith(std::map<std::string, std::string> extra) {
  std::map<std::string, std::string> values = Minimal();
  for (auto& [key, value] : extra) values[key] = value;
  return LoadDbConfig(MapEnv(values));
}

void ExpectRejected(const std::string& variable, const std::string& value) {
  absl::StatusOr<DbConfig> config = LoadWith({{variable, value}});
  ASSERT_FALSE(config.ok()) << variable << "=" << value;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message().rfind(variable + ":", 0), 0u)
      << "message must start with the variable: " << config.status();
  EXPECT_EQ(config.status().message().find('\n'), std::string::npos);
}

TEST(DbConfigTest, DefaultsMatchTheDesign) {
  absl::StatusOr<DbConfig> config = LoadWith({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->host, "127.0.0.1");
  EXPECT_EQ(config->port, 5432);
  EXPECT_EQ(config->read_host, "127.0.0.1");
  EXPECT_EQ(config->read_port, 5432);
  EXPECT_EQ(config->password, "");
  EXPECT_EQ(config->max_connections, 20);
  EXPECT_EQ(config->min_connections, 5);
  EXPECT_EQ(config->idle_timeout, absl::Milliseconds(30000));
  EXPECT_EQ(config->connect_timeout, absl::Milliseconds(20000));
  EXPECT_EQ(config->async_read_connections, 4);
}

TEST(DbConfigTest, ReadsEveryVariable) {
  absl::StatusOr<DbConfig> config = LoadWith({{"DB_HOST", "db-primary.internal"},
                                              {"DB_PORT", "6432"},
                                              {"DB_READ_HOST", "10.0.0.7"},
                                              {"DB_READ_PORT", "6433"},
                                              {"DB_PASSWORD", "s3cret"},
                                              {"DB_MAX_CONNECTIONS", "50"},
                                              {"DB_MIN_CONNECTIONS", "10"},
                                              {"DB_IDLE_TIMEOUT_MS", "1500"},
                                              {"DB_CONNECT_TIMEOUT_MS", "2500"},
                                              {"DB_ASYNC_READ_CONNECTIONS", "7"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->host, "db-primary.internal");
  EXPECT_EQ(config->port, 6432);
  EXPECT_EQ(config->read_host, "10.0.0.7");
  EXPECT_EQ(config->read_port, 6433);
  EXPECT_EQ(config->name, "quest_db");
  EXPECT_EQ(config->user, "quest_svc");
  EXPECT_EQ(config->password, "s3cret");
  EXPECT_EQ(config->max_connections, 50);
  EXPECT_EQ(config->min_connections, 10);
  EXPECT_EQ(config->idle_timeout, absl::Milliseconds(1500));
  EXPECT_EQ(config->connect_timeout, absl::Milliseconds(2500));
  EXPECT_EQ(config->async_read_connections, 7);
}

TEST(DbConfigTest, ReadHostAndPortDefaultToTheWriteNode) {
  absl::StatusOr<DbConfig> config = LoadWith({{"DB_HOST", "primary.db"}, {"DB_PORT", "7000"}});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->read_host, "primary.db");
  EXPECT_EQ(config->read_port, 7000);
}

TEST(DbConfigTest, RejectsNonNumbers) {
  ExpectRejected("DB_PORT", "fifty");
  ExpectRejected("DB_PORT", "5432x");
  ExpectRejected("DB_MAX_CONNECTIONS", "1.5");
  ExpectRejected("DB_MIN_CONNECTIONS", "-");
  ExpectRejected("DB_IDLE_TIMEOUT_MS", "30s");
  ExpectRejected("DB_CONNECT_TIMEOUT_MS", "soon");
  ExpectRejected("DB_ASYNC_READ_CONNECTIONS", "four");
  ExpectRejected("DB_ASYNC_READ_CONNECTIONS", "2.5");
}

TEST(DbConfigTest, RejectsOutOfRangeValues) {
  ExpectRejected("DB_PORT", "0");
  ExpectRejected("DB_PORT", "65536");
  ExpectRejected("DB_READ_PORT", "-1");
  ExpectRejected("DB_MAX_CONNECTIONS", "0");
  ExpectRejected("DB_MAX_CONNECTIONS", "-3");
  ExpectRejected("DB_MIN_CONNECTIONS", "-1");
  ExpectRejected("DB_IDLE_TIMEOUT_MS", "0");
  ExpectRejected("DB_CONNECT_TIMEOUT_MS", "0");
  ExpectRejected("DB_ASYNC_READ_CONNECTIONS", "0");
  ExpectRejected("DB_ASYNC_READ_CONNECTIONS", "-1");
}

TEST(DbConfigTest, AsyncReadConnectionsStayWithinMaxConnections) {
  absl::StatusOr<DbConfig> above =
      LoadWith({{"DB_MAX_CONNECTIONS", "4"}, {"DB_ASYNC_READ_CONNECTIONS", "5"}});
  ASSERT_FALSE(above.ok());
  EXPECT_EQ(above.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(above.status().message(),
            "DB_ASYNC_READ_CONNECTIONS: must not exceed DB_MAX_CONNECTIONS (4), got 5");
  absl::StatusOr<DbConfig> equal =
      LoadWith({{"DB_MAX_CONNECTIONS", "4"}, {"DB_ASYNC_READ_CONNECTIONS", "4"}});
  ASSERT_TRUE(equal.ok()) << equal.status();
  EXPECT_EQ(equal->async_read_connections, 4);
  absl::StatusOr<DbConfig> one = LoadWith({{"DB_ASYNC_READ_CONNECTIONS", "1"}});
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->async_read_connections, 1);
  // The default 4 shrinks to a smaller explicit max instead.
  absl::StatusOr<DbConfig> small = LoadWith({{"DB_MAX_CONNECTIONS", "2"}});
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(small->async_read_connections, 2);
}

TEST(DbConfigTest, RejectsMinAboveMax) {
  absl::StatusOr<DbConfig> config =
      LoadWith({{"DB_MAX_CONNECTIONS", "4"}, {"DB_MIN_CONNECTIONS", "5"}});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message().rfind("DB_MIN_CONNECTIONS:", 0), 0u);
  // The default min shrinks to a small explicit max instead.
  absl::StatusOr<DbConfig> small = LoadWith({{"DB_MAX_CONNECTIONS", "3"}});
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->min_connections, 3);
}

TEST(DbConfigTest, RejectsBadHostSyntax) {
  ExpectRejected("DB_HOST", "bad host");
  ExpectRejected("DB_HOST", "-leading.dash");
  ExpectRejected("DB_HOST", "under_score.example");
  ExpectRejected("DB_HOST", "999.1.1.1");
  ExpectRejected("DB_HOST", "db..internal");
  ExpectRejected("DB_READ_HOST", "host:5432");
  ExpectRejected("DB_READ_HOST", "[::1");
}

TEST(DbConfigTest, AcceptsEveryHostForm) {
  for (const char* host : {"localhost", "db-1.prod.example.com", "127.0.0.1", "::1", "[::1]",
                           "fe80::1", "/var/run/postgresql"}) {
    EXPECT_TRUE(IsValidHost(host)) << host;
  }
}

TEST(DbConfigTest, RequiresNameAndUser) {
  absl::StatusOr<DbConfig> no_name = LoadDbConfig(MapEnv({{"DB_USER", "u"}}));
  ASSERT_FALSE(no_name.ok());
  EXPECT_EQ(no_name.status().message().rfind("DB_NAME:", 0), 0u);
  absl::StatusOr<DbConfig> no_user = LoadDbConfig(MapEnv({{"DB_NAME", "d"}}));
  ASSERT_FALSE(no_user.ok());
  EXPECT_EQ(no_user.status().message().rfind("DB_USER:", 0), 0u);
}

TEST(DbConfigTest, PasswordIsQuotedForLibpqAndNeverDescribed) {
  absl::StatusOr<DbConfig> config = LoadWith({{"DB_PASSWORD", "it's a \\secret"}});
  ASSERT_TRUE(config.ok());
  std::string conninfo = config->ConnectionString("h", 1, "app");
  EXPECT_NE(conninfo.find("password='it\\'s a \\\\secret'"), std::string::npos) << conninfo;
  EXPECT_EQ(config->Describe().find("secret"), std::string::npos);
}

TEST(DbConfigTest, ConnectTimeoutRoundsUpToLibpqSeconds) {
  absl::StatusOr<DbConfig> config = LoadWith({{"DB_CONNECT_TIMEOUT_MS", "2500"}});
  ASSERT_TRUE(config.ok());
  EXPECT_NE(config->ConnectionString("h", 1, "a").find("connect_timeout=3"), std::string::npos);
}

}  // namespace
}  // namespace qs::config
