// notification/send_path.h against the real primary: a send's round trips do
// not grow with its recipients (two reads, the writes deferred to the
// COMMIT), and the deferred rows are there once it commits.
#include "notification/send_path.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "common/db/row_mapping.h"
#include "gtest/gtest.h"
#include "notification/inbox_rules.h"
#include "notification/quiet_hours.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

namespace v1 = ::notification::v1;

class SendPathTest : public ::testing::Test {
 protected:
  SendPathTest() : sender_(notification::NotificationSettings{}) {}

  void SetUp() override {
    absl::Status migrated = scratch_.Migrate({"migrations/common", "migrations/notification"});
    ASSERT_TRUE(migrated.ok()) << migrated;
    config::DbConfig config = scratch_.Config();
    config.read_host = config.host;  // Every statement on the primary.
    config.read_port = config.port;
    database_ = std::make_unique<db::Database>(config, "send-path-test");
  }

  int64_t Count(const std::string& sql, const std::string& users) {
    absl::StatusOr<int64_t> count =
        database_->Write([&](db::WriteTx& tx) -> absl::StatusOr<int64_t> {
          return tx.Query(sql, users)[0][0].as<int64_t>();
        });
    EXPECT_TRUE(count.ok()) << count.status();
    return count.value_or(-1);
  }

  ScratchDatabase scratch_{"notification"};
  std::unique_ptr<db::Database> database_;
  notification::NotificationSender sender_;
};

TEST_F(SendPathTest, AThousandRecipientSendIsTwoReadsAndItsCommit) {
  std::vector<std::string> users;
  for (int i = 0; i < 1000; ++i) users.push_back(api::NewUuidV4());
  const std::string array = db::ArrayLiteral(users);
  // Set-up: a token each; users[0] mutes the category's push, users[1] has
  // quiet hours from a minute ago for two hours, users[2] both (each side
  // of the preferences' join).
  const int now_minute =
      static_cast<int>(absl::ToUnixSeconds(absl::Now()) / 60 % notification::kMinutesPerDay);
  const int quiet_start =
      (now_minute + notification::kMinutesPerDay - 1) % notification::kMinutesPerDay;
  const int quiet_end = (now_minute + 120) % notification::kMinutesPerDay;
  const absl::Status set_up = database_->Write([&](db::WriteTx& tx) -> absl::Status {
    tx.Query(
        "INSERT INTO push_tokens (user_id, app_id, device_id, platform, token) "
        "SELECT u, 'com.example.game', u::text, 'fcm', 'tok-' || u::text "
        "FROM unnest($1::uuid[]) AS u",
        array);
    tx.Query(
        "INSERT INTO notification_preferences (user_id, category, inbox_muted, "
        "push_muted) SELECT u, 'season_start', false, true "
        "FROM unnest($1::uuid[]) AS u",
        db::ArrayLiteral(std::vector<std::string>{users[0], users[2]}));
    tx.Query(
        "INSERT INTO quiet_hours (user_id, start_minute, end_minute, time_zone) "
        "SELECT u, $2, $3, 'UTC' FROM unnest($1::uuid[]) AS u",
        db::ArrayLiteral(std::vector<std::string>{users[1], users[2]}), quiet_start, quiet_end);
    return absl::OkStatus();
  });
  ASSERT_TRUE(set_up.ok()) << set_up;

  v1::SendNotificationRequest request;
  for (const std::string& user : users) request.add_recipient_user_ids(user);
  request.set_category("season_start");
  request.set_title("Season 3 has begun");
  absl::StatusOr<notification::ValidatedSend> send =
      sender_.Validate(notification::kSystemUserId, request);
  ASSERT_TRUE(send.ok()) << send.status();

  const db::Database::WriteStats before = database_->write_stats();
  int round_trips_before_commit = -1;
  absl::StatusOr<v1::SendNotificationResponse> sent =
      database_->Write([&](db::WriteTx& tx) -> absl::StatusOr<v1::SendNotificationResponse> {
        v1::SendNotificationResponse response = sender_.Write(tx, *send);
        round_trips_before_commit = tx.round_trips();
        return response;
      });
  const db::Database::WriteStats after = database_->write_stats();
  ASSERT_TRUE(sent.ok()) << sent.status();
  // BEGIN with the preferences' read, the tokens' read; then the COMMIT
  // carries both INSERTs. (It was six: BEGIN, two preference reads, the
  // tokens, two INSERTs, COMMIT.)
  EXPECT_EQ(round_trips_before_commit, 2);
  EXPECT_EQ(after.outside_calls.transactions - before.outside_calls.transactions, 1);
  EXPECT_EQ(after.outside_calls.round_trips - before.outside_calls.round_trips, 3);

  ASSERT_EQ(sent->notifications_size(), 1000);
  EXPECT_EQ(Count("SELECT count(*) FROM notification_logs WHERE user_id = ANY($1::uuid[])", array),
            1000);
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE user_id = ANY($1::uuid[])", array), 1000);
  // 997 pushes go now; users[0]'s and users[2]'s are muted; users[1]'s waits
  // for its quiet hours to end.
  EXPECT_EQ(Count("SELECT count(*) FROM deliveries WHERE user_id = ANY($1::uuid[]) "
                  "AND state = 'muted'",
                  array),
            2);
  EXPECT_EQ(
      Count("SELECT count(*) FROM deliveries WHERE user_id = ANY($1::uuid[]) "
            "AND state = 'queued' AND next_attempt_at > clock_timestamp() + interval '1 minute'",
            array),
      1);
}

}  // namespace
}  // namespace qs::testing
