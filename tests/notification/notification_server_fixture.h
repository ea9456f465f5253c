// A real notification server shared by the tests of one binary, with a stub
// per notification.v1 service and the calls most tests make
// (tests/support/service_fixture.h does the rest). The shared server treats
// "security" and "account" as critical categories.
#ifndef QS_TESTS_NOTIFICATION_NOTIFICATION_SERVER_FIXTURE_H_
#define QS_TESTS_NOTIFICATION_NOTIFICATION_SERVER_FIXTURE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/api/uuid.h"
#include "proto/notification/v1/inbox.grpc.pb.h"
#include "proto/notification/v1/preferences.grpc.pb.h"
#include "proto/notification/v1/push_tokens.grpc.pb.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {

class NotificationServerFixture : public ServiceFixture {
 protected:
  static constexpr char kDatabase[] = "notification_db";
  static constexpr char kSystem[] = "00000000-0000-0000-0000-000000000000";

  static void SetUpTestSuite() {
    StartSharedServer("notification", {{"NOTIFICATION_CRITICAL_CATEGORIES", "security,account"}});
    UseServer(channel(), kDatabase);
  }
  static void TearDownTestSuite() {
    tokens_.reset();
    inbox_.reset();
    preferences_.reset();
    StopSharedServer();
  }

  // A server of the test's own, on a scratch database: the helpers below
  // (Register, Send, Count, the stubs, database()) talk to it while it
  // lives, then to the shared server again. For a test of what a server
  // does to the whole database (pruning): on notification_db every other
  // test target's server does it too.
  class OwnServer {
   public:
    explicit OwnServer(std::map<std::string, std::string> env) {
      env["DB_NAME"] = scratch_.name();
      process_ = StartService("notification", env);
      UseServer(ChannelTo(*process_), scratch_.name());
    }
    ~OwnServer() { UseServer(channel(), kDatabase); }
    OwnServer(const OwnServer&) = delete;
    OwnServer& operator=(const OwnServer&) = delete;
    ServiceProcess& process() { return *process_; }

   private:
    ScratchDatabase scratch_{"notification"};  // Outlives the server.
    std::unique_ptr<ServiceProcess> process_;
  };

  // The database the helpers read: notification_db, or an OwnServer's.
  static const std::string& database() { return database_; }

  static std::string NewUser() { return api::NewUuidV4(); }

  static int64_t Micros(const google::protobuf::Timestamp& timestamp) {
    return timestamp.seconds() * 1'000'000 + timestamp.nanos() / 1000;
  }

  // A random FCM-style token (unique per call).
  static std::string NewFcmToken() {
    return absl::StrCat("fcm:", api::NewUuidV4(), "-", api::NewUuidV4());
  }

  // Registers an FCM token for `user` on (app "com.example.game", `device`);
  // a test failure unless OK.
  static ::notification::v1::PushToken Register(const std::string& user, const std::string& device,
                                                const std::string& token,
                                                const std::string& time_zone = "") {
    ::notification::v1::RegisterPushTokenRequest request;
    request.set_device_id(device);
    request.set_app_id("com.example.game");
    request.set_platform(::notification::v1::PLATFORM_FCM);
    request.set_token(token);
    request.set_time_zone(time_zone);
    ::notification::v1::PushToken registered;
    grpc::Status status = tokens_->RegisterPushToken(As(user).get(), request, &registered);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return registered;
  }

  // A send of `category` from `sender` to `recipients`; a test failure
  // unless OK.
  static ::notification::v1::SendNotificationResponse Send(
      const std::string& sender, const std::vector<std::string>& recipients,
      const std::string& category, const std::string& title = "Hello") {
    ::notification::v1::SendNotificationRequest request;
    for (const std::string& recipient : recipients) request.add_recipient_user_ids(recipient);
    request.set_category(category);
    request.set_title(title);
    ::notification::v1::SendNotificationResponse response;
    grpc::Status status = inbox_->SendNotification(As(sender).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Replaces `user`'s preferences; a test failure unless OK.
  static void SetPreferences(const std::string& user,
                             const ::notification::v1::SetPreferencesRequest& request) {
    ::notification::v1::Preferences stored;
    grpc::Status status = preferences_->SetPreferences(As(user).get(), request, &stored);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  // The states of the deliveries of notification `id`, sorted, read on the
  // primary.
  static std::vector<std::string> DeliveryStates(const std::string& notification_id) {
    std::vector<std::string> states;
    for (const auto& row : QueryPrimary(database_,
                                        "SELECT state FROM deliveries "
                                        "WHERE notification_log_id = $1 ORDER BY state",
                                        notification_id)) {
      states.push_back(row[0].as<std::string>());
    }
    return states;
  }

  static int64_t Count(const std::string& sql, const std::string& parameter) {
    return QueryPrimary(database_, sql, parameter)[0][0].as<int64_t>();
  }

  static void UseServer(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& database) {
    tokens_ = ::notification::v1::PushTokenService::NewStub(channel);
    inbox_ = ::notification::v1::InboxService::NewStub(channel);
    preferences_ = ::notification::v1::PreferenceService::NewStub(channel);
    database_ = database;
  }

  inline static std::string database_ = kDatabase;
  inline static std::unique_ptr<::notification::v1::PushTokenService::Stub> tokens_;
  inline static std::unique_ptr<::notification::v1::InboxService::Stub> inbox_;
  inline static std::unique_ptr<::notification::v1::PreferenceService::Stub> preferences_;
};

}  // namespace qs::testing

#endif  // QS_TESTS_NOTIFICATION_NOTIFICATION_SERVER_FIXTURE_H_
