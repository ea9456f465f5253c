// notification's part of the right to erasure (notification/user_eraser.h)
// through the real notification binary: data of a user and of another made
// through the API, ops.v1.Privacy/EraseUser, then every table of
// notification_db scanned for his id.
#include <set>
#include <string>

#include "common/api/uuid.h"
#include "gtest/gtest.h"
#include "tests/common/privacy/user_data.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

constexpr const char* kDatabase = "notification_db";

class NotificationUserEraserTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    StartSharedServer("notification", {{"PRIVACY_ADMIN_TOKEN", kPrivacyAdminToken}});
  }
  static void TearDownTestSuite() { StopSharedServer(); }

  const std::string user_ = api::NewUuidV4();
  const std::string other_ = api::NewUuidV4();
};

TEST_F(NotificationUserEraserTest, DeletesHisRowsAnonymisesWhatHeSentAndLeavesTheOtherAlone) {
  CreateNotificationData(channel(), user_, other_);
  ExpectEraseLeavesOnlyUserErased(channel(), kDatabase, user_, other_,
                                  {"push_tokens", "notification_preferences", "quiet_hours",
                                   "notification_logs", "deliveries", "idempotency_keys"});

  // What he sent stays in the other's inbox, without naming him.
  pqxx::result received =
      QueryPrimary(kDatabase,
                   "SELECT sender_id IS NULL, data ->> 'from_user_id', "
                   "(SELECT count(*) FROM deliveries d WHERE d.notification_log_id = l.id) "
                   "FROM notification_logs l WHERE user_id = $1",
                   other_);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_TRUE(received[0][0].as<bool>());
  EXPECT_TRUE(api::IsUuid(received[0][1].as<std::string>()));
  EXPECT_EQ(received[0][2].as<int>(), 1) << "its delivery to the other's device stays";

  ::ops::v1::EraseUserResponse erased;
  grpc::Status status = EraseUser(channel(), user_, &erased);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(erased.erasure().rows_erased(), 0) << "nothing left to erase";
}

}  // namespace
}  // namespace qs::testing
