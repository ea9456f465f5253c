// SwitchDatabase against the suite's real primary, on databases of the
// test's own: the two renames, the kept previous database, sessions of the
// live one ended, and a switch that cannot complete leaving the live
// database exactly as it was (named, accepting connections), and
// termination signals held back until it is.
#include "deploy/backup/database_switch.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "deploy/backup/backup_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::backup {
namespace {

using ::qs::testing::TestInfra;
using ::testing::HasSubstr;

PostgresSettings Settings() {
  const TestInfra& infra = TestInfra::Get();
  PostgresSettings settings;
  settings.host = infra.host;
  settings.port = infra.primary_port;
  settings.user = infra.admin_user;
  settings.password = infra.admin_password;
  settings.ssl_mode = "disable";
  return settings;
}

std::string Admin(const std::string& sql) {
  const TestInfra& infra = TestInfra::Get();
  pqxx::connection admin(infra.AdminConnectionString(infra.primary_port, "postgres"));
  pqxx::nontransaction tx(admin);
  pqxx::result rows = tx.exec(sql);
  return rows.empty() || rows[0][0].is_null() ? "" : rows[0][0].as<std::string>();
}

std::string Oid(const std::string& database) {
  return Admin("SELECT oid::text FROM pg_database WHERE datname = '" + database + "'");
}

class DatabaseSwitchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string suffix = qs::testing::UniqueSuffix();
    live_ = "switch_live_" + suffix;
    replacement_ = "switch_new_" + suffix;
    Admin("CREATE DATABASE " + live_);
    Admin("CREATE DATABASE " + replacement_);
  }
  void TearDown() override {
    for (const std::string& name : {live_, replacement_, PreRestoreName(live_, now_)}) {
      Admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }
  std::string live_;
  std::string replacement_;
  absl::Time now_ = absl::Now();
};

TEST_F(DatabaseSwitchTest, RenamesBothAndKeepsThePreviousClosed) {
  const std::string old_oid = Oid(live_);
  const std::string new_oid = Oid(replacement_);
  const TestInfra& infra = TestInfra::Get();
  pqxx::connection session(infra.AdminConnectionString(infra.primary_port, live_));

  absl::StatusOr<SwitchedDatabase> switched = SwitchDatabase(Settings(), live_, replacement_, now_);
  ASSERT_TRUE(switched.ok()) << switched.status();
  const std::string* kept = &switched->kept_as;
  EXPECT_EQ(*kept, PreRestoreName(live_, now_));
  EXPECT_EQ(switched->previous_oid, old_oid);
  // The primary's WAL position after the rename: what a replica must replay.
  EXPECT_EQ(Admin("SELECT ('" + switched->switch_lsn + "'::pg_lsn <= pg_current_wal_lsn())::text"),
            "true");
  EXPECT_EQ(Oid(live_), new_oid);
  EXPECT_EQ(Oid(*kept), old_oid);
  EXPECT_EQ(Oid(replacement_), "");
  EXPECT_EQ(Admin("SELECT datallowconn::text FROM pg_database WHERE datname = '" + *kept + "'"),
            "false");
  EXPECT_EQ(Admin("SELECT datallowconn::text FROM pg_database WHERE datname = '" + live_ + "'"),
            "true");
  // The session on the previous database was ended by the switch.
  EXPECT_THROW(pqxx::nontransaction(session).exec("SELECT 1"), std::exception);
}

TEST_F(DatabaseSwitchTest, WithoutALiveDatabaseOnlyRenames) {
  Admin("DROP DATABASE " + live_);
  const std::string new_oid = Oid(replacement_);
  absl::StatusOr<SwitchedDatabase> switched = SwitchDatabase(Settings(), live_, replacement_, now_);
  ASSERT_TRUE(switched.ok()) << switched.status();
  EXPECT_EQ(switched->kept_as, "");
  EXPECT_EQ(switched->previous_oid, "");
  EXPECT_EQ(Oid(live_), new_oid);
}

TEST_F(DatabaseSwitchTest, FailedSwitchLeavesTheLiveDatabaseAsItWas) {
  const std::string old_oid = Oid(live_);
  const std::string new_oid = Oid(replacement_);
  // A session on the replacement: PostgreSQL refuses to rename a database
  // in use (after waiting 5 s for it), so the second rename fails and the
  // transaction takes the first back, on every attempt.
  const TestInfra& infra = TestInfra::Get();
  pqxx::connection blocker(infra.AdminConnectionString(infra.primary_port, replacement_));

  const absl::Time start = absl::Now();
  absl::StatusOr<SwitchedDatabase> switched =
      SwitchDatabase(Settings(), live_, replacement_, now_,
                     SwitchOptions{.attempts = 2, .retry_pause = absl::Milliseconds(100)});
  const absl::Duration took = absl::Now() - start;
  ASSERT_FALSE(switched.ok());
  EXPECT_THAT(switched.status().message(), HasSubstr("being accessed by other users"));
  EXPECT_THAT(switched.status().message(), HasSubstr(live_));
  // The message says what is true now, from the reopen that really ran.
  EXPECT_THAT(switched.status().message(),
              HasSubstr(live_ + " accepts connections again, unchanged"));
  // Both attempts ran, each waiting PostgreSQL's 5 s for the session.
  EXPECT_GE(took, absl::Seconds(9)) << took;
  EXPECT_EQ(Oid(live_), old_oid);
  EXPECT_EQ(Oid(replacement_), new_oid);
  EXPECT_EQ(Oid(PreRestoreName(live_, now_)), "");
  EXPECT_EQ(Admin("SELECT datallowconn::text FROM pg_database WHERE datname = '" + live_ + "'"),
            "true");
  pqxx::connection again(infra.AdminConnectionString(infra.primary_port, live_));
  EXPECT_TRUE(again.is_open());
}

std::atomic<int64_t> g_sigterm_at_micros{0};
void RecordSigterm(int) { g_sigterm_at_micros.store(absl::ToUnixMicros(absl::Now())); }

TEST_F(DatabaseSwitchTest, TerminationSignalsWaitUntilTheLiveDatabaseIsOpenAgain) {
  const TestInfra& infra = TestInfra::Get();
  pqxx::connection blocker(infra.AdminConnectionString(infra.primary_port, replacement_));
  struct sigaction record = {};
  record.sa_handler = RecordSigterm;
  struct sigaction previous = {};
  ASSERT_EQ(sigaction(SIGTERM, &record, &previous), 0);
  g_sigterm_at_micros.store(0);

  // The sender blocks SIGTERM itself, so only the switching thread can
  // take the process-directed signal (the tool is single-threaded).
  absl::Time sent = absl::InfiniteFuture();
  std::thread sender([&sent] {
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, nullptr);
    absl::SleepFor(absl::Seconds(1));  // inside the 5 s the rename waits
    sent = absl::Now();
    kill(getpid(), SIGTERM);
  });
  absl::StatusOr<SwitchedDatabase> switched =
      SwitchDatabase(Settings(), live_, replacement_, now_, SwitchOptions{.attempts = 1});
  const absl::Time returned = absl::Now();
  sender.join();
  sigaction(SIGTERM, &previous, nullptr);

  ASSERT_FALSE(switched.ok());
  const absl::Time handled = absl::FromUnixMicros(g_sigterm_at_micros.load());
  ASSERT_NE(g_sigterm_at_micros.load(), 0) << "SIGTERM was never delivered";
  // Held back for the rest of the attempt and the reopen, then delivered
  // before SwitchDatabase returned.
  EXPECT_GE(handled - sent, absl::Seconds(3)) << handled - sent;
  EXPECT_LE(handled, returned);
  EXPECT_EQ(Admin("SELECT datallowconn::text FROM pg_database WHERE datname = '" + live_ + "'"),
            "true");
}

TEST(ReopenSqlTest, IsTheStatementThatReopens) {
  EXPECT_EQ(ReopenSql("quest_db"), "ALTER DATABASE \"quest_db\" WITH ALLOW_CONNECTIONS true;");
}

}  // namespace
}  // namespace qs::backup
