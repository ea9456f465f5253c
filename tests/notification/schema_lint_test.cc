// notification_db as its migrations make it: the naming lint passes, the
// down migration undoes the up one, and the delivery worker's claim of due
// rows (the query the migration documents) is an index scan in due order.
#include "common/migrate/schema_lint.h"

#include <string>
#include <vector>

#include "common/migrate/migration_set.h"
#include "common/migrate/migrator.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

class NotificationSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto migrations =
        migrate::LoadMigrationDirectories({"migrations/common", "migrations/notification"});
    ASSERT_TRUE(migrations.ok()) << migrations.status();
    migrations_ = *migrations;
    ASSERT_TRUE(migrate::Migrator(db_.Conninfo(), migrations_).Run().ok());
  }

  std::string Explain(pqxx::work& tx, const std::string& sql) {
    std::string plan;
    for (const pqxx::row& row : tx.exec("EXPLAIN " + sql))
      plan += row[0].c_str() + std::string("\n");
    return plan;
  }

  ScratchDatabase db_{"notification"};
  std::vector<migrate::Migration> migrations_;
};

TEST_F(NotificationSchemaTest, NamingLintPasses) {
  pqxx::connection connection(db_.Conninfo());
  pqxx::read_transaction tx(connection);
  absl::StatusOr<std::vector<std::string>> violations = migrate::LintSchema(tx);
  ASSERT_TRUE(violations.ok()) << violations.status();
  EXPECT_TRUE(violations->empty()) << violations->front();
}

TEST_F(NotificationSchemaTest, DownMigrationRemovesEveryTable) {
  // Down to before the service's first migration (each Revert undoes the
  // latest one; the common set stays).
  for (;;) {
    absl::StatusOr<migrate::AppliedMigration> reverted =
        migrate::Migrator(db_.Conninfo(), migrations_).Revert();
    ASSERT_TRUE(reverted.ok()) << reverted.status();
    if (reverted->version == "20261201130000") break;
  }
  pqxx::connection connection(db_.Conninfo());
  pqxx::read_transaction tx(connection);
  EXPECT_EQ(tx.exec("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN "
                    "('push_tokens', 'notification_logs', 'deliveries', "
                    "'notification_preferences', 'quiet_hours')")[0][0]
                .as<int>(),
            0);
}

TEST_F(NotificationSchemaTest, ClaimingDueDeliveriesIsAnIndexScan) {
  pqxx::connection connection(db_.Conninfo());
  pqxx::work tx(connection);
  // 20,000 finished deliveries and 200 queued ones, half of them due.
  tx.exec(
      "INSERT INTO notification_logs (id, user_id, category) "
      "SELECT gen_random_uuid(), gen_random_uuid(), 'news' FROM generate_series(1, 100)");
  tx.exec(
      "INSERT INTO deliveries (notification_log_id, user_id, state, next_attempt_at, finished_at) "
      "SELECT (SELECT id FROM notification_logs LIMIT 1), gen_random_uuid(), "
      "CASE WHEN g <= 200 THEN 'queued' ELSE 'sent' END, "
      "now() + (CASE WHEN g <= 100 THEN -1 ELSE 1 END) * interval '1 hour', "
      "CASE WHEN g <= 200 THEN NULL ELSE now() END FROM generate_series(1, 20200) g");
  tx.exec("ANALYZE deliveries");
  const std::string claim =
      Explain(tx,
              "SELECT id FROM deliveries WHERE state = 'queued' AND next_attempt_at <= now() "
              "ORDER BY next_attempt_at LIMIT 50 FOR UPDATE SKIP LOCKED");
  EXPECT_NE(claim.find("Index Scan using deliveries_queued_due_idx"), std::string::npos) << claim;
  EXPECT_EQ(claim.find("Sort"), std::string::npos) << claim;
  const std::string reclaim =
      Explain(tx,
              "SELECT id FROM deliveries WHERE state = 'sending' AND lease_expires_at <= now() "
              "ORDER BY lease_expires_at LIMIT 50 FOR UPDATE SKIP LOCKED");
  EXPECT_NE(reclaim.find("deliveries_sending_lease_idx"), std::string::npos) << reclaim;
  // A delivery's finished_at goes with its state.
  EXPECT_THROW(tx.exec("INSERT INTO deliveries (notification_log_id, user_id, state) "
                       "SELECT id, user_id, 'sent' FROM notification_logs LIMIT 1"),
               pqxx::check_violation);
}

TEST_F(NotificationSchemaTest, UnreadCountByCategoryIsAnIndexOnlyScan) {
  pqxx::connection connection(db_.Conninfo());
  // VACUUM cannot run in a transaction block; it sets the visibility map
  // that an index-only scan relies on.
  pqxx::nontransaction tx(connection);
  // One user's 200 unread among 2,000 of their own read ones and 20,000
  // notifications of others, most of them read.
  tx.exec(
      "INSERT INTO notification_logs (user_id, category, read_at) "
      "SELECT gen_random_uuid(), 'news', CASE WHEN g % 20 = 0 THEN NULL ELSE now() END "
      "FROM generate_series(1, 20000) g");
  tx.exec(
      "INSERT INTO notification_logs (user_id, category, read_at) "
      "SELECT '5f0c0b1e-6a4f-4e43-9d2a-0c1f4f3c2b1a', 'c' || (g % 5), "
      "CASE WHEN g <= 200 THEN NULL ELSE now() END FROM generate_series(1, 2200) g");
  tx.exec("VACUUM ANALYZE notification_logs");
  // The test replica's hot_standby_feedback holds the xmin horizon at about
  // now, so this VACUUM cannot mark the fresh rows all-visible and the
  // planner prices heap visits into an index-only scan: it then prefers a
  // bitmap scan here, where a production table (mostly all-visible) would
  // not. Without bitmap scans the plan shows what the index allows: with the
  // category INCLUDEd, no heap row is needed (the old index gave a plain
  // Index Scan).
  tx.exec("SET enable_bitmapscan = off");
  // The statement of InboxStore::UnreadByCategoryAsync.
  std::string plan;
  for (const pqxx::row& row :
       tx.exec("EXPLAIN SELECT l.category, count(*) FROM notification_logs l "
               "WHERE l.user_id = '5f0c0b1e-6a4f-4e43-9d2a-0c1f4f3c2b1a' "
               "AND l.deleted_at IS NULL AND l.in_inbox "
               "AND l.read_at IS NULL AND l.archived_at IS NULL GROUP BY l.category")) {
    plan += row[0].as<std::string>() + "\n";
  }
  EXPECT_NE(plan.find("Index Only Scan using notification_logs_unread_idx"), std::string::npos)
      << plan;
}

}  // namespace
}  // namespace qs::testing
