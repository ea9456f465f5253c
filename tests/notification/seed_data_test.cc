// The notification seed-data tool on a scratch database migrated with the
// notification migrations: the counts asked for, and every rule the service
// keeps when it writes these rows (marks in their order, deliveries per
// active token, muted and invalidated tokens) checked in SQL; the schema's
// CHECKs and the naming lint hold.
#include "notification/seed_data.h"

#include <string>
#include <vector>

#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "common/migrate/schema_lint.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::notification {
namespace {

class SeedDataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new qs::testing::ScratchDatabase("notification");
    auto migrations =
        migrate::LoadMigrationDirectories({"migrations/common", "migrations/notification"});
    ASSERT_TRUE(migrations.ok()) << migrations.status();
    ASSERT_TRUE(migrate::Migrator(db_->Conninfo(), *migrations).Run().ok());
    options_ = SeedOptions::ForLogs(20000);
    options_.users = 500;
    options_.muting_share = 0.2;
    options_.seed = 7;
    absl::StatusOr<SeedReport> report = SeedNotificationDatabase(db_->Conninfo(), options_);
    ASSERT_TRUE(report.ok()) << report.status();
    report_ = new SeedReport(*report);
  }
  static void TearDownTestSuite() {
    delete report_;
    delete db_;
  }

  int64_t Count(const std::string& sql) {
    pqxx::connection connection(db_->Conninfo());
    pqxx::nontransaction tx(connection);
    return tx.exec1(sql)[0].as<int64_t>();
  }

  static qs::testing::ScratchDatabase* db_;
  static SeedOptions options_;
  static SeedReport* report_;
};

qs::testing::ScratchDatabase* SeedDataTest::db_ = nullptr;
SeedOptions SeedDataTest::options_;
SeedReport* SeedDataTest::report_ = nullptr;

TEST_F(SeedDataTest, ReportsTheRowsItWrote) {
  ASSERT_NE(report_, nullptr);
  EXPECT_EQ(report_->logs, options_.logs);
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs"), options_.logs);
  EXPECT_EQ(report_->push_tokens, Count("SELECT count(*) FROM push_tokens"));
  EXPECT_EQ(report_->invalidated_tokens,
            Count("SELECT count(*) FROM push_tokens WHERE invalidated_at IS NOT NULL"));
  EXPECT_EQ(report_->preferences, Count("SELECT count(*) FROM notification_preferences"));
  EXPECT_EQ(report_->deliveries, Count("SELECT count(*) FROM deliveries"));
  EXPECT_EQ(report_->rows,
            report_->push_tokens + report_->preferences + report_->logs + report_->deliveries);
}

TEST_F(SeedDataTest, EveryUserHasOneOrTwoInstallations) {
  ASSERT_NE(report_, nullptr);
  EXPECT_EQ(Count("SELECT count(DISTINCT user_id) FROM push_tokens"), options_.users);
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT user_id FROM push_tokens GROUP BY user_id "
                  "HAVING count(*) NOT IN (1, 2)) u"),
            0);
  EXPECT_GT(Count("SELECT count(*) FROM (SELECT user_id FROM push_tokens GROUP BY user_id "
                  "HAVING count(*) = 2) u"),
            0);
  // The shapes token_rules.h accepts: APNs 64 hex characters.
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE platform = 'apns' AND token !~ "
                  "'^[0-9a-f]{64}$'"),
            0);
  EXPECT_GT(Count("SELECT count(*) FROM push_tokens WHERE platform = 'fcm'"), 0);
  EXPECT_GT(Count("SELECT count(*) FROM push_tokens WHERE platform = 'apns'"), 0);
  // Valid tokens were seen recently (the stale prune would remove others).
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE invalidated_at IS NULL AND "
                  "last_seen_at < now() - interval '8 days'"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE (invalidated_at IS NULL) <> "
                  "(invalid_reason IS NULL)"),
            0);
}

TEST_F(SeedDataTest, LogsSpreadOverTheDaysWithAMixOfStates) {
  ASSERT_NE(report_, nullptr);
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE created_at > now() OR "
                  "created_at < now() - make_interval(days => " +
                  std::to_string(options_.days) + ") - interval '1 minute'"),
            0);
  EXPECT_GE(Count("SELECT count(DISTINCT created_at::date) FROM notification_logs"), options_.days);
  // Every category, and the system's without a sender.
  EXPECT_GE(Count("SELECT count(DISTINCT category) FROM notification_logs"), 6);
  EXPECT_GT(Count("SELECT count(*) FROM notification_logs WHERE sender_id IS NULL"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE sender_id = user_id"), 0);
  // Each state present in a realistic share.
  const int64_t logs = options_.logs;
  const auto share = [&](const std::string& where) {
    return Count("SELECT count(*) FROM notification_logs WHERE " + where) * 100 / logs;
  };
  EXPECT_GT(share("read_at IS NULL AND archived_at IS NULL AND deleted_at IS NULL AND in_inbox"),
            10);  // unread
  EXPECT_GT(share("read_at IS NOT NULL"), 30);
  EXPECT_GT(share("seen_at IS NOT NULL AND read_at IS NULL"), 5);
  EXPECT_GT(share("archived_at IS NOT NULL"), 2);
  EXPECT_GT(share("deleted_at IS NOT NULL"), 1);
  EXPECT_GT(Count("SELECT count(*) FROM notification_logs WHERE NOT in_inbox"), 0);
}

TEST_F(SeedDataTest, MarksFollowTheRpcsThatSetThem) {
  ASSERT_NE(report_, nullptr);
  // MarkRead sets seen_at too; nothing before the notification or after now.
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE read_at IS NOT NULL AND "
                  "(seen_at IS NULL OR read_at < seen_at)"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE seen_at < created_at OR "
                  "archived_at < created_at OR deleted_at < created_at OR seen_at > now() OR "
                  "read_at > now() OR archived_at > now() OR deleted_at > now()"),
            0);
  // A deleted notification is out of the inbox: no mark after its deletion.
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE deleted_at < greatest(seen_at, "
                  "read_at, archived_at)"),
            0);
  // Hidden ones (inbox muted) were never listed, so never marked, and only
  // in the category their recipient muted the inbox of.
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE NOT in_inbox AND "
                  "coalesce(seen_at, read_at, archived_at, deleted_at) IS NOT NULL"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs l WHERE NOT in_inbox AND NOT EXISTS "
                  "(SELECT 1 FROM notification_preferences p WHERE p.user_id = l.user_id AND "
                  "p.category = l.category AND p.inbox_muted)"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs l JOIN notification_preferences p ON "
                  "p.user_id = l.user_id AND p.category = l.category AND p.inbox_muted WHERE "
                  "l.in_inbox"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE (time_to_live_seconds > 0) <> "
                  "(expires_at IS NOT NULL) OR expires_at <> created_at + make_interval(secs => "
                  "time_to_live_seconds)"),
            0);
}

TEST_F(SeedDataTest, DeliveriesAreOnePerActiveTokenAndFinished) {
  ASSERT_NE(report_, nullptr);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE state IN ('queued', 'sending') OR "
                  "finished_at IS NULL"),
            0);
  for (const char* state : {"sent", "failed", "invalid_token", "muted"}) {
    EXPECT_GT(Count(std::string("SELECT count(*) FROM deliveries WHERE state = '") + state + "'"),
              0)
        << state;
  }
  // Each delivery is to a token of the log's own recipient, registered
  // before the send, at most once per (log, token).
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries d JOIN notification_logs l ON l.id = "
                  "d.notification_log_id JOIN push_tokens t ON t.id = d.push_token_id WHERE "
                  "d.user_id <> l.user_id OR t.user_id <> l.user_id OR t.created_at > "
                  "l.created_at OR d.created_at <> l.created_at"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT 1 FROM deliveries GROUP BY notification_log_id, "
                  "push_token_id HAVING count(*) > 1) d"),
            0);
  // Every token that was valid at a send has its delivery.
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs l JOIN push_tokens t ON t.user_id = "
                  "l.user_id AND t.created_at <= l.created_at AND (t.invalidated_at IS NULL OR "
                  "t.invalidated_at > l.created_at) WHERE NOT EXISTS (SELECT 1 FROM deliveries d "
                  "WHERE d.notification_log_id = l.id AND d.push_token_id = t.id)"),
            0);
  // Muted exactly where the recipient muted push: never attempted.
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries d JOIN notification_logs l ON l.id = "
                  "d.notification_log_id WHERE (d.state = 'muted') <> EXISTS (SELECT 1 FROM "
                  "notification_preferences p WHERE p.user_id = l.user_id AND p.category = "
                  "l.category AND p.push_muted)"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE state = 'muted' AND (attempts <> 0 OR "
                  "first_attempt_at IS NOT NULL OR finished_at <> created_at)"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE state <> 'muted' AND (attempts < 1 OR "
                  "first_attempt_at < created_at OR finished_at < first_attempt_at OR "
                  "updated_at <> finished_at)"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE (state = 'sent') <> "
                  "(provider_message_id IS NOT NULL) OR (state IN ('failed', 'invalid_token')) "
                  "<> (last_error IS NOT NULL)"),
            0);
}

TEST_F(SeedDataTest, AnInvalidatedTokenEndsWithTheDeliveryThatFoundIt) {
  ASSERT_NE(report_, nullptr);
  ASSERT_GT(report_->invalidated_tokens, 0);
  // One invalid_token delivery per invalidated token, finished at the
  // invalidation, and no delivery of a later send.
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens t WHERE invalidated_at IS NOT NULL AND "
                  "(SELECT count(*) FROM deliveries d WHERE d.push_token_id = t.id AND d.state = "
                  "'invalid_token' AND d.finished_at = t.invalidated_at) <> 1"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE state = 'invalid_token'"),
            report_->invalidated_tokens);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries d JOIN push_tokens t ON t.id = "
                  "d.push_token_id JOIN deliveries last ON last.push_token_id = t.id AND "
                  "last.state = 'invalid_token' WHERE d.created_at > last.created_at"),
            0);
}

TEST_F(SeedDataTest, SchemaLintStillPasses) {
  ASSERT_NE(report_, nullptr);
  pqxx::connection connection(db_->Conninfo());
  pqxx::work tx(connection);
  absl::StatusOr<std::vector<std::string>> violations = migrate::LintSchema(tx);
  ASSERT_TRUE(violations.ok()) << violations.status();
  EXPECT_TRUE(violations->empty());
}

TEST(SeedOptionsTest, ForLogsSpreadsTwentyPerUser) {
  const SeedOptions options = SeedOptions::ForLogs(1'000'000);
  EXPECT_EQ(options.logs, 1'000'000);
  EXPECT_EQ(options.users, 50'000);
  EXPECT_EQ(options.days, 30);
}

TEST(SeedOptionsTest, RejectsNonsenseSizes) {
  EXPECT_EQ(SeedNotificationDatabase("host=unused", {.users = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SeedNotificationDatabase("host=unused", {.users = 10, .logs = -1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SeedNotificationDatabase("host=unused", {.users = 10, .days = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace qs::notification
