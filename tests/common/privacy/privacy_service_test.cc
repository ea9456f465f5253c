// ops.v1.Privacy through a real gRPC client against the real quest binary
// (common/service hosts the same API on every service): the admin
// credential, field validation, what EraseUser records and announces, and
// GetErasureStatus. What each service erases is tested per service
// (tests/<service>/user_eraser_test.cc), the whole flow in
// tests/events/erasure_test.cc.
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "common/api/uuid.h"
#include "gtest/gtest.h"
#include "proto/ops/v1/privacy.grpc.pb.h"
#include "tests/common/privacy/user_data.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

namespace v1 = ::ops::v1;

class PrivacyServiceTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    StartSharedServer("quest", {{"PRIVACY_ADMIN_TOKEN", kPrivacyAdminToken}});
    privacy_ = v1::Privacy::NewStub(channel());
  }
  static void TearDownTestSuite() {
    privacy_.reset();
    StopSharedServer();
  }

  static grpc::Status Erase(const std::string& user, const std::string& token,
                            v1::EraseUserResponse* response) {
    v1::EraseUserRequest request;
    request.set_user_id(user);
    return privacy_->EraseUser(AdminContext(token).get(), request, response);
  }
  static grpc::Status Status(const std::string& user, const std::string& token,
                             v1::GetErasureStatusResponse* response) {
    v1::GetErasureStatusRequest request;
    request.set_user_id(user);
    return privacy_->GetErasureStatus(AdminContext(token).get(), request, response);
  }
  static int64_t Records() {
    return QueryPrimary(kDatabase, "SELECT count(*) FROM user_erasures")[0][0].as<int64_t>();
  }

  static constexpr const char* kDatabase = "quest_db";
  inline static std::unique_ptr<v1::Privacy::Stub> privacy_;
  const std::string user_ = api::NewUuidV4();
};

TEST_F(PrivacyServiceTest, ACallWithoutTheAdminTokenIsRefusedAndChangesNothing) {
  const int64_t records = Records();
  v1::EraseUserResponse erased;
  v1::GetErasureStatusResponse status;
  EXPECT_EQ(Erase(user_, "", &erased).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Status(user_, "", &status).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Erase(user_, "not-the-admin-token", &erased).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Status(user_, "not-the-admin-token", &status).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A user's own credential is not an admin's.
  grpc::ClientContext as_user;
  as_user.AddMetadata("x-user-id", user_);
  v1::EraseUserRequest request;
  request.set_user_id(user_);
  EXPECT_EQ(privacy_->EraseUser(&as_user, request, &erased).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Records(), records);
  EXPECT_TRUE(OutboxEvents(kDatabase, user_).empty());
}

TEST_F(PrivacyServiceTest, AUserIdThatIsNotAUuidIsInvalidArgumentNamingIt) {
  const int64_t records = Records();
  for (const std::string bad : {"", "not-a-uuid", "3f0c5a8e-9d1b-4c7e-8a41-2b6f0e9d7c1"}) {
    v1::EraseUserResponse erased;
    grpc::Status status = Erase(bad, kPrivacyAdminToken, &erased);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_EQ(status.error_message().rfind("user_id", 0), 0u) << status.error_message();
    v1::GetErasureStatusResponse erasure_status;
    status = Status(bad, kPrivacyAdminToken, &erasure_status);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_EQ(status.error_message().rfind("user_id", 0), 0u) << status.error_message();
  }
  EXPECT_EQ(Records(), records);
}

TEST_F(PrivacyServiceTest, EraseUserRecordsByHashAnnouncesAndIsIdempotent) {
  v1::GetErasureStatusResponse status;
  ASSERT_TRUE(Status(user_, kPrivacyAdminToken, &status).ok());
  EXPECT_EQ(status.erasures_size(), 0) << "never erased";
  EXPECT_FALSE(status.complete());

  v1::EraseUserResponse erased;
  grpc::Status call = Erase(absl::AsciiStrToUpper(user_), kPrivacyAdminToken, &erased);
  ASSERT_TRUE(call.ok()) << call.error_message();
  EXPECT_EQ(erased.erasure().service(), "quest");
  EXPECT_GT(erased.erasure().erased_at().seconds(), 0);

  ASSERT_TRUE(Status(user_, kPrivacyAdminToken, &status).ok());
  ASSERT_EQ(status.erasures_size(), 1);
  EXPECT_EQ(status.erasures(0).service(), "quest");
  EXPECT_EQ(status.erasures(0).erased_at().seconds(), erased.erasure().erased_at().seconds());
  EXPECT_EQ(
      std::vector<std::string>(status.pending_services().begin(), status.pending_services().end()),
      (std::vector<std::string>{"notification", "social"}));
  EXPECT_FALSE(status.complete());

  // The record keeps sha256 of the id, never the id.
  pqxx::result records =
      QueryPrimary(kDatabase,
                   "SELECT user_erasures::text FROM user_erasures WHERE user_hash = "
                   "sha256(convert_to($1::text, 'UTF8'))",
                   user_);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0][0].as<std::string>().find(user_), std::string::npos);

  // UserErased is in the outbox, with the id the others need.
  std::vector<::events::v1::EventEnvelope> events = OutboxEvents(kDatabase, user_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), "ops.v1.UserErased");
  v1::UserErased payload;
  ASSERT_TRUE(events[0].payload().UnpackTo(&payload));
  EXPECT_EQ(payload.user_id(), user_);
  EXPECT_EQ(payload.erasure().service(), "quest");

  call = Erase(user_, kPrivacyAdminToken, &erased);
  ASSERT_TRUE(call.ok()) << "erasing twice is fine: " << call.error_message();
  EXPECT_EQ(erased.erasure().rows_erased(), 0);
  ASSERT_TRUE(Status(user_, kPrivacyAdminToken, &status).ok());
  EXPECT_EQ(status.erasures_size(), 1);
}

TEST_F(PrivacyServiceTest, WithoutAConfiguredTokenTheApiIsOff) {
  std::unique_ptr<ServiceProcess> quest = StartService("quest");
  auto privacy = v1::Privacy::NewStub(ChannelTo(*quest));
  v1::EraseUserRequest request;
  request.set_user_id(user_);
  v1::EraseUserResponse erased;
  grpc::Status status = privacy->EraseUser(AdminContext().get(), request, &erased);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(status.error_message().find("PRIVACY_ADMIN_TOKEN"), std::string::npos)
      << status.error_message();
  v1::GetErasureStatusRequest status_request;
  status_request.set_user_id(user_);
  v1::GetErasureStatusResponse erasure_status;
  EXPECT_EQ(
      privacy->GetErasureStatus(AdminContext().get(), status_request, &erasure_status).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(OutboxEvents(kDatabase, user_).empty());
}

TEST_F(PrivacyServiceTest, AShortTokenStopsStartUpNamingTheVariable) {
  std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("quest");
  env["PRIVACY_ADMIN_TOKEN"] = "too-short";
  std::unique_ptr<ServiceProcess> quest = ServiceProcess::Start(std::getenv("QUEST_BINARY"), env);
  EXPECT_EQ(quest->WaitForExit(absl::Seconds(20)), 2);
  EXPECT_NE(quest->Log().find("PRIVACY_ADMIN_TOKEN"), std::string::npos) << quest->Log();
  EXPECT_EQ(quest->Log().find("too-short"), std::string::npos) << "a secret is never logged";
}

}  // namespace
}  // namespace qs::testing
