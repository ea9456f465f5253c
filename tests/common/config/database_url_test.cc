// postgres:// URLs for tools (common/config/database_url.cc): every part of
// the URL and every way it can be malformed.
#include "common/config/database_url.h"

#include <string>

#include "gtest/gtest.h"

namespace qs::config {
namespace {

DbConfig Parsed(const std::string& url) {
  absl::StatusOr<DbConfig> config = ParseDatabaseUrl(url);
  EXPECT_TRUE(config.ok()) << url << ": " << config.status();
  return config.ok() ? *config : DbConfig();
}

// Rejected with one line "database URL: <why>" that never echoes the URL.
void ExpectRejected(const std::string& url, const std::string& why) {
  absl::StatusOr<DbConfig> config = ParseDatabaseUrl(url);
  ASSERT_FALSE(config.ok()) << url;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << url;
  EXPECT_EQ(config.status().message(), "database URL: " + why) << url;
  EXPECT_EQ(config.status().message().find("hunter2"), std::string::npos) << url;
}

TEST(DatabaseUrlTest, ReadsEveryPart) {
  DbConfig config = Parsed("postgres://quest_svc:hunter2@db.internal:6432/quest_db");
  EXPECT_EQ(config.user, "quest_svc");
  EXPECT_EQ(config.password, "hunter2");
  EXPECT_EQ(config.host, "db.internal");
  EXPECT_EQ(config.port, 6432);
  EXPECT_EQ(config.name, "quest_db");
  // A URL names one node: reads go to it too.
  EXPECT_EQ(config.read_host, "db.internal");
  EXPECT_EQ(config.read_port, 6432);
}

TEST(DatabaseUrlTest, PoolAndTimeoutsKeepTheirDefaults) {
  const DbConfig defaults;
  DbConfig config = Parsed("postgres://u@127.0.0.1/db");
  EXPECT_EQ(config.max_connections, defaults.max_connections);
  EXPECT_EQ(config.min_connections, defaults.min_connections);
  EXPECT_EQ(config.idle_timeout, defaults.idle_timeout);
  EXPECT_EQ(config.connect_timeout, defaults.connect_timeout);
}

TEST(DatabaseUrlTest, BothSchemesAreAccepted) {
  EXPECT_EQ(Parsed("postgres://u@h/db").name, "db");
  EXPECT_EQ(Parsed("postgresql://u@h/db").name, "db");
}

TEST(DatabaseUrlTest, OtherSchemesAreRejected) {
  for (const char* url : {"", "mysql://u:hunter2@h/db", "postgres:/u:hunter2@h/db",
                          "POSTGRES://u:hunter2@h/db", "u:hunter2@h/db", " postgres://u@h/db"}) {
    ExpectRejected(url, "must start with postgres:// or postgresql://");
  }
}

TEST(DatabaseUrlTest, UserIsRequired) {
  ExpectRejected("postgres://h/db", "missing user@");
  ExpectRejected("postgres://@h/db", "missing user name");
  ExpectRejected("postgres://:hunter2@h/db", "missing user name");
}

TEST(DatabaseUrlTest, PasswordIsOptional) {
  DbConfig without = Parsed("postgres://quest_svc@h/db");
  EXPECT_EQ(without.user, "quest_svc");
  EXPECT_EQ(without.password, "");
  DbConfig empty = Parsed("postgres://quest_svc:@h/db");
  EXPECT_EQ(empty.user, "quest_svc");
  EXPECT_EQ(empty.password, "");
}

TEST(DatabaseUrlTest, UserAndPasswordArePercentDecoded) {
  DbConfig config = Parsed("postgres://quest%5Fsvc%3Aro:p%40ss%3Aw%2Fo%25rd%2b%20@h/db");
  EXPECT_EQ(config.user, "quest_svc:ro");
  EXPECT_EQ(config.password, "p@ss:w/o%rd+ ");
}

TEST(DatabaseUrlTest, PasswordMayHoldRawColonsAndAtSigns) {
  // The first ':' ends the user, the last '@' ends the password.
  DbConfig config = Parsed("postgres://u:a:b@c@h:5433/db");
  EXPECT_EQ(config.user, "u");
  EXPECT_EQ(config.password, "a:b@c");
  EXPECT_EQ(config.host, "h");
  EXPECT_EQ(config.port, 5433);
}

TEST(DatabaseUrlTest, BadEscapesAreRejected) {
  for (const char* url : {"postgres://u:hunter2%@h/db", "postgres://u:hunter2%4@h/db",
                          "postgres://u:hunter2%zz@h/db", "postgres://u:%g1hunter2@h/db",
                          "postgres://u%:hunter2@h/db", "postgres://%4x:hunter2@h/db"}) {
    ExpectRejected(url, "bad %-escape");
  }
}

TEST(DatabaseUrlTest, DatabaseNameIsRequired) {
  ExpectRejected("postgres://u:hunter2@h", "missing /database");
  ExpectRejected("postgres://u:hunter2@h:5432", "missing /database");
  ExpectRejected("postgres://u:hunter2@h/", "missing database name");
  ExpectRejected("postgres://u:hunter2@h/?sslmode=require", "missing database name");
}

TEST(DatabaseUrlTest, QueryParametersAreIgnored) {
  DbConfig config = Parsed("postgres://u@h/quest_db?sslmode=require&application_name=x");
  EXPECT_EQ(config.name, "quest_db");
  EXPECT_EQ(Parsed("postgres://u@h/quest_db?").name, "quest_db");
}

TEST(DatabaseUrlTest, PortDefaultsTo5432) {
  EXPECT_EQ(Parsed("postgres://u@h/db").port, 5432);
  EXPECT_EQ(Parsed("postgres://u@h/db").read_port, 5432);
  // An empty port after ':' keeps the default as well.
  EXPECT_EQ(Parsed("postgres://u@h:/db").port, 5432);
}

TEST(DatabaseUrlTest, PortMustBe1To65535) {
  EXPECT_EQ(Parsed("postgres://u@h:1/db").port, 1);
  EXPECT_EQ(Parsed("postgres://u@h:65535/db").port, 65535);
  for (const char* url :
       {"postgres://u:hunter2@h:0/db", "postgres://u:hunter2@h:65536/db",
        "postgres://u:hunter2@h:-1/db", "postgres://u:hunter2@h:54x/db",
        "postgres://u:hunter2@h:99999999999/db", "postgres://u:hunter2@[::1]:0/db"}) {
    ExpectRejected(url, "port must be 1..65535");
  }
}

TEST(DatabaseUrlTest, HostsOfEveryKind) {
  EXPECT_EQ(Parsed("postgres://u@127.0.0.1/db").host, "127.0.0.1");
  EXPECT_EQ(Parsed("postgres://u@localhost/db").host, "localhost");
  EXPECT_EQ(Parsed("postgres://u@pg-1.db.example.com/db").host, "pg-1.db.example.com");
  DbConfig v6 = Parsed("postgres://u@[::1]/db");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.read_host, "::1");
  EXPECT_EQ(v6.port, 5432);
  DbConfig v6_port = Parsed("postgres://u@[2001:db8::5]:6543/db");
  EXPECT_EQ(v6_port.host, "2001:db8::5");
  EXPECT_EQ(v6_port.port, 6543);
}

TEST(DatabaseUrlTest, BracketedHostMustBeWellFormed) {
  ExpectRejected("postgres://u:hunter2@[::1/db", "unclosed [ in host");
  ExpectRejected("postgres://u:hunter2@[::1]5432/db", "junk after ]");
}

TEST(DatabaseUrlTest, InvalidHostsAreRejected) {
  for (const char* url :
       {"postgres://u:hunter2@/db", "postgres://u:hunter2@:5432/db", "postgres://u:hunter2@[]/db",
        "postgres://u:hunter2@bad_host!/db", "postgres://u:hunter2@999.1.1.1/db",
        "postgres://u:hunter2@-h/db", "postgres://u:hunter2@[bad host]/db"}) {
    ExpectRejected(url, "not a valid host");
  }
}

}  // namespace
}  // namespace qs::config
