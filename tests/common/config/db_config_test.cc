// Every DB_* variable's default and every class of bad value.
#include "common/config/db_config.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
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

TEST(DbConfigTest, PasswordsComeFromFilesToo) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp ? tmp : "/tmp") + "/db_password";
  std::ofstream(path, std::ios::trunc) << "from-a-file\n";
  absl::StatusOr<DbConfig> config = LoadWith({{"DB_PASSWORD_FILE", path},
                                              {"DB_MIGRATION_USER", "quest_owner"},
                                              {"DB_MIGRATION_PASSWORD_FILE", path}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->password, "from-a-file");
  EXPECT_EQ(config->migration_password, "from-a-file");
  absl::StatusOr<DbConfig> both = LoadWith({{"DB_PASSWORD", "x"}, {"DB_PASSWORD_FILE", path}});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().message(), "DB_PASSWORD and DB_PASSWORD_FILE: both set, give one");
  ExpectRejected("DB_PASSWORD_FILE", "/nonexistent/password");
  ExpectRejected("DB_MIGRATION_PASSWORD_FILE", "/nonexistent/password");
}

TEST(DbConfigTest, MigrationsRunAsTheirOwnRoleOrAsDbUser) {
  absl::StatusOr<DbConfig> single = LoadWith({{"DB_PASSWORD", "runtime-pw"}});
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->MigrationConnectionString("m"),
            single->ConnectionString("127.0.0.1", 5432, "m"));

  absl::StatusOr<DbConfig> split = LoadWith({{"DB_PASSWORD", "runtime-pw"},
                                             {"DB_MIGRATION_USER", "quest_owner"},
                                             {"DB_MIGRATION_PASSWORD", "owner-pw"},
                                             {"DB_PORT", "6432"},
                                             {"DB_SSL_MODE", "require"}});
  ASSERT_TRUE(split.ok()) << split.status();
  const std::string migration = split->MigrationConnectionString("m");
  EXPECT_NE(migration.find("user='quest_owner'"), std::string::npos) << migration;
  EXPECT_NE(migration.find("password='owner-pw'"), std::string::npos);
  EXPECT_NE(migration.find("port=6432"), std::string::npos);
  EXPECT_NE(migration.find("sslmode='require'"), std::string::npos);
  EXPECT_EQ(migration.find("runtime-pw"), std::string::npos);
  // The runtime connections keep the runtime role.
  EXPECT_NE(split->ConnectionString("h", 1, "a").find("user='quest_svc'"), std::string::npos);
  EXPECT_NE(split->Describe().find("migrations as quest_owner"), std::string::npos);
  EXPECT_EQ(split->Describe().find("owner-pw"), std::string::npos);

  ExpectRejected("DB_MIGRATION_PASSWORD", "owner-pw");  // without DB_MIGRATION_USER
}

TEST(DbConfigTest, SslModeReachesEveryConnectionString) {
  absl::StatusOr<DbConfig> unset = LoadWith({});
  ASSERT_TRUE(unset.ok());
  // libpq's own default (prefer) as before DB_SSL_MODE existed.
  EXPECT_EQ(unset->ConnectionString("h", 1, "a").find("sslmode"), std::string::npos);

  for (const char* mode : {"disable", "allow", "prefer", "require"}) {
    absl::StatusOr<DbConfig> config = LoadWith({{"DB_SSL_MODE", mode}});
    ASSERT_TRUE(config.ok()) << mode << ": " << config.status();
    EXPECT_NE(config->ConnectionString("h", 1, "a").find(absl::StrCat("sslmode='", mode, "'")),
              std::string::npos)
        << mode;
    EXPECT_EQ(config->ConnectionString("h", 1, "a").find("sslrootcert"), std::string::npos);
  }
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string ca = std::string(tmp ? tmp : "/tmp") + "/ca.pem";
  std::ofstream(ca, std::ios::trunc) << "-----BEGIN CERTIFICATE-----\n";
  for (const char* mode : {"require", "verify-ca", "verify-full"}) {
    absl::StatusOr<DbConfig> config = LoadWith({{"DB_SSL_MODE", mode}, {"DB_SSL_ROOT_CERT", ca}});
    ASSERT_TRUE(config.ok()) << mode << ": " << config.status();
    const std::string conninfo = config->ConnectionString(config->read_host, 1, "a");
    EXPECT_NE(conninfo.find(absl::StrCat("sslmode='", mode, "'")), std::string::npos) << conninfo;
    EXPECT_NE(conninfo.find(absl::StrCat("sslrootcert='", ca, "'")), std::string::npos);
  }
}

TEST(DbConfigTest, BadSslSettingsAreRejectedNamingTheVariable) {
  ExpectRejected("DB_SSL_MODE", "on");
  ExpectRejected("DB_SSL_MODE", "VERIFY-FULL");
  // verify-* without a root certificate: DB_SSL_ROOT_CERT is what is missing.
  for (const char* mode : {"verify-ca", "verify-full"}) {
    absl::StatusOr<DbConfig> config = LoadWith({{"DB_SSL_MODE", mode}});
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().message().rfind("DB_SSL_ROOT_CERT: required", 0), 0u)
        << config.status();
  }
  absl::StatusOr<DbConfig> unreadable =
      LoadWith({{"DB_SSL_MODE", "verify-full"}, {"DB_SSL_ROOT_CERT", "/nonexistent/ca.pem"}});
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.status().message(),
            "DB_SSL_ROOT_CERT: cannot read file \"/nonexistent/ca.pem\"");
  // A root certificate that libpq would ignore.
  absl::StatusOr<DbConfig> ignored =
      LoadWith({{"DB_SSL_MODE", "prefer"}, {"DB_SSL_ROOT_CERT", "/etc/hostname"}});
  ASSERT_FALSE(ignored.ok());
  EXPECT_EQ(ignored.status().message().rfind("DB_SSL_ROOT_CERT:", 0), 0u);
}

}  // namespace
}  // namespace qs::config
