// The relay's claim SQL (common/events/outbox_claims.h) on a scratch
// database: what one relay's round takes while another transaction holds
// rows, and what pruning deletes.
#include "common/events/outbox_claims.h"

#include <string>
#include <vector>

#include "common/api/uuid.h"
#include "common/db/database.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/support/test_infra.h"

namespace qs::events {
namespace {

class OutboxClaimsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status migrated = scratch_.Migrate({"migrations/common"});
    ASSERT_TRUE(migrated.ok()) << migrated;
  }

  // Inserts an unpublished row `seconds_ago` old; returns its id.
  std::string Insert(const std::string& aggregate, int seconds_ago) {
    pqxx::connection connection(scratch_.Conninfo());
    pqxx::work tx(connection);
    std::string id = tx.exec_params(
                           "INSERT INTO outbox_events (type, aggregate_id, envelope, created_at) "
                           "VALUES ('t', $1, 'body', now() - make_interval(secs => $2)) "
                           "RETURNING id::text",
                           aggregate, seconds_ago)[0][0]
                         .as<std::string>();
    tx.commit();
    return id;
  }

  static std::vector<std::string> Ids(const ClaimedBatch& batch) {
    std::vector<std::string> ids;
    for (const OutboxRow& row : batch.rows) ids.push_back(row.id);
    return ids;
  }

  qs::testing::ScratchDatabase scratch_{"quest"};
  db::Database database_{scratch_.Config(), "outbox-claims-test"};
  const std::string a_ = api::NewUuidV4();
  const std::string b_ = api::NewUuidV4();
};

TEST_F(OutboxClaimsTest, ClaimsOldestFirstAndSkipsRowsAnotherRoundHolds) {
  const std::string a1 = Insert(a_, 50), b1 = Insert(b_, 40), a2 = Insert(a_, 30),
                    b2 = Insert(b_, 20), a3 = Insert(a_, 10);
  // Another relay's round holds a1 (the oldest row of aggregate a).
  pqxx::connection other(scratch_.Conninfo());
  pqxx::work held(other);
  held.exec_params("SELECT 1 FROM outbox_events WHERE id = $1 FOR UPDATE", a1);

  ClaimedBatch batch;
  ASSERT_TRUE(database_
                  .Write([&](db::WriteTx& tx) -> absl::Status {
                    batch = ClaimUnpublished(tx, 10);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(batch.locked, 4) << "a1 is skipped, the other four are locked";
  EXPECT_EQ(Ids(batch), (std::vector<std::string>{b1, b2}))
      << "a2 and a3 must wait until a1 is published";
  ASSERT_EQ(batch.rows.size(), 2u);
  EXPECT_EQ(batch.rows[0].aggregate_id, b_);
  EXPECT_EQ(batch.rows[0].type, "t");
  EXPECT_EQ(batch.rows[0].envelope, "body");
  held.commit();

  // With a1 free, a limit of 2 takes the two oldest: a1 and b1.
  ASSERT_TRUE(database_
                  .Write([&](db::WriteTx& tx) -> absl::Status {
                    batch = ClaimUnpublished(tx, 2);
                    MarkPublished(tx, Ids(batch));
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(batch.locked, 2);
  EXPECT_EQ(Ids(batch), (std::vector<std::string>{a1, b1}));
  // The marked rows are not claimed again.
  ASSERT_TRUE(database_
                  .Write([&](db::WriteTx& tx) -> absl::Status {
                    batch = ClaimUnpublished(tx, 10);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(Ids(batch), (std::vector<std::string>{a2, b2, a3}));
}

TEST_F(OutboxClaimsTest, DepthCountsUnpublishedRowsAndTheOldestAge) {
  absl::StatusOr<OutboxDepth> empty = database_.ReadFromPrimary(
      [](db::ReadTx& tx) { return absl::StatusOr<OutboxDepth>(ReadOutboxDepth(tx)); });
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->unpublished, 0);
  EXPECT_EQ(empty->oldest_age, absl::ZeroDuration());

  const std::string old = Insert(a_, 100);
  Insert(b_, 5);
  ASSERT_TRUE(database_
                  .Write([&](db::WriteTx& tx) -> absl::Status {
                    MarkPublished(tx, {old});
                    return absl::OkStatus();
                  })
                  .ok());
  absl::StatusOr<OutboxDepth> depth = database_.ReadFromPrimary(
      [](db::ReadTx& tx) { return absl::StatusOr<OutboxDepth>(ReadOutboxDepth(tx)); });
  ASSERT_TRUE(depth.ok()) << depth.status();
  EXPECT_EQ(depth->unpublished, 1);
  EXPECT_GE(depth->oldest_age, absl::Seconds(5));
  EXPECT_LT(depth->oldest_age, absl::Seconds(60)) << "the published row does not count";
}

TEST_F(OutboxClaimsTest, PruningDeletesInBatchesOfTheLimit) {
  pqxx::connection connection(scratch_.Conninfo());
  pqxx::nontransaction(connection)
      .exec(
          "INSERT INTO outbox_events (type, aggregate_id, envelope, published_at) "
          "SELECT 't', gen_random_uuid(), '', now() - interval '2 hours' "
          "FROM generate_series(1, 5)");
  Insert(a_, 7200);  // as old, but unpublished
  std::vector<int64_t> deleted;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<int64_t> count = database_.Write([&](db::WriteTx& tx) {
      return absl::StatusOr<int64_t>(PrunePublished(tx, absl::Hours(1), 2));
    });
    ASSERT_TRUE(count.ok()) << count.status();
    deleted.push_back(*count);
  }
  EXPECT_EQ(deleted, (std::vector<int64_t>{2, 2, 1}));
  EXPECT_EQ(pqxx::nontransaction(connection)
                .exec("SELECT count(*) FROM outbox_events WHERE published_at IS NULL")[0][0]
                .as<int>(),
            1);
}

}  // namespace
}  // namespace qs::events
