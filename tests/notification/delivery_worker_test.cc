// The push delivery worker end to end: real notification_server binaries on a
// scratch notification database (real primary + replica), real gRPC calls,
// and the local fake FCM + OAuth endpoint (tests/notification/delivery/
// fake_fcm.py, which verifies the RS256 assertion and accepts only bearer
// tokens it issued). One server with the worker off serves the API for the
// whole suite; each test starts the worker instances it needs, so rows are
// queued before any worker can claim them.
#include <signal.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/db/database.h"
#include "gtest/gtest.h"
#include "notification/delivery/json_object.h"
#include "notification/delivery_store.h"
#include "proto/notification/v1/inbox.grpc.pb.h"
#include "proto/notification/v1/preferences.grpc.pb.h"
#include "proto/notification/v1/push_tokens.grpc.pb.h"
#include "proto/ops/v1/diagnostics.grpc.pb.h"
#include "tests/notification/delivery/fake_push_server.h"
#include "tests/support/service_fixture.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

using google::protobuf::Struct;
using notification::delivery::ObjectField;
using notification::delivery::StringField;
using notification::delivery::testing::FakePushServer;

const Struct& Object(const Struct& parent, const std::string& key) {
  static const Struct kEmpty;
  const Struct* child = ObjectField(parent, key);
  return child == nullptr ? kEmpty : *child;
}

// One deliveries row as the test reads it on the primary.
struct DeliveryRow {
  std::string state;
  int attempts = 0;
  std::string provider_message_id;
  std::string last_error;
  // next_attempt_at - updated_at: how far ahead a requeue scheduled it.
  int64_t scheduled_ahead_ms = 0;
};

class DeliveryWorkerTest : public ServiceFixture {
 protected:
  static void SetUpTestSuite() {
    fake_ = FakePushServer::Start(std::getenv("FAKE_FCM"), {}).release();
    scratch_ = new ScratchDatabase("notification");
    // DELIVERY_WORKER_ENABLED is false in ServiceProcess::DefaultEnv.
    api_server_ = StartService("notification", {{"DB_NAME", scratch_->name()}}).release();
    auto channel = ChannelTo(*api_server_);
    tokens_ = ::notification::v1::PushTokenService::NewStub(channel).release();
    inbox_ = ::notification::v1::InboxService::NewStub(channel).release();
    preferences_ = ::notification::v1::PreferenceService::NewStub(channel).release();
  }
  static void TearDownTestSuite() {
    delete tokens_;
    delete inbox_;
    delete preferences_;
    delete api_server_;
    delete scratch_;
    delete fake_;
  }

  void SetUp() override {
    fake_->Reset();
    fake_->Configure(R"({"revoke_tokens": false})");
  }

  void TearDown() override {
    if (HasFailure()) {
      for (const auto& worker : workers_) std::cerr << "---- worker log ----\n" << worker->Log();
      std::cerr << "---- fake FCM log ----\n" << fake_->Log();
    }
  }

  // A notification server with the worker on, sending to the fake FCM.
  ServiceProcess& StartWorker(const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> env = {
        {"DB_NAME", scratch_->name()},
        {"DELIVERY_WORKER_ENABLED", "true"},  // off in ServiceProcess::DefaultEnv
        {"PUSH_FCM_PROVIDER", "fcm"},
        {"FCM_SERVICE_ACCOUNT_FILE", fake_->File("service_account_file")},
        {"FCM_ENDPOINT", fake_->Url("port")},
        {"PUSH_CA_FILE", fake_->File("ca_file")},
        {"PUSH_CONNECT_TIMEOUT_MS", "2000"},
        {"PUSH_REQUEST_TIMEOUT_MS", "1500"},
        {"PUSH_RETRY_BASE_DELAY_MS", "50"},
        {"PUSH_RETRY_MAX_DELAY_MS", "100"},
        {"DELIVERY_POLL_MS", "50"},
        // At least WorstCaseSend (1 s + 4 x 1.5 s) + 1 s.
        {"DELIVERY_LEASE_MS", "8000"},
        {"DELIVERY_SEND_THREADS", "4"},
        {"LOG_LEVEL", "debug"},
    };
    for (const auto& [key, value] : extra) env[key] = value;
    workers_.push_back(StartService("notification", env));
    return *workers_.back();
  }

  // Registers an FCM token on a new device of `user`; returns the token.
  static std::string RegisterToken(const std::string& user) {
    ::notification::v1::RegisterPushTokenRequest request;
    request.set_device_id(api::NewUuidV4());
    request.set_app_id("com.example.game");
    request.set_platform(::notification::v1::PLATFORM_FCM);
    request.set_token(absl::StrCat("fcm-", api::NewUuidV4(), "-", api::NewUuidV4()));
    ::notification::v1::PushToken registered;
    grpc::Status status = tokens_->RegisterPushToken(As(user).get(), request, &registered);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return request.token();
  }

  // SendNotification from the system to `recipients`.
  static ::notification::v1::SendNotificationResponse Send(
      const std::vector<std::string>& recipients,
      const std::function<void(::notification::v1::SendNotificationRequest&)>& fill = nullptr) {
    ::notification::v1::SendNotificationRequest request;
    for (const std::string& recipient : recipients) request.add_recipient_user_ids(recipient);
    request.set_category("match_turn");
    request.set_title("Your turn");
    request.set_body("Alice played e4");
    if (fill) fill(request);
    ::notification::v1::SendNotificationResponse response;
    grpc::Status status = inbox_->SendNotification(As(api::NewUuidV4()).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // The delivery ids of the notifications of `response`.
  static std::vector<std::string> DeliveryIds(
      const ::notification::v1::SendNotificationResponse& response) {
    std::vector<std::string> ids;
    for (const auto& sent : response.notifications()) {
      for (const auto& row : Query("SELECT id::text FROM deliveries WHERE notification_log_id = $1 "
                                   "ORDER BY id",
                                   sent.notification_id())) {
        ids.push_back(row[0].as<std::string>());
      }
    }
    return ids;
  }

  template <typename... Args>
  static pqxx::result Query(const std::string& sql, Args&&... args) {
    return QueryPrimary(scratch_->name(), sql, std::forward<Args>(args)...);
  }

  static DeliveryRow Row(const std::string& id) {
    pqxx::result rows = Query(
        "SELECT state, attempts, coalesce(provider_message_id, ''), coalesce(last_error, ''), "
        "(extract(epoch FROM next_attempt_at - updated_at) * 1000)::bigint "
        "FROM deliveries WHERE id = $1",
        id);
    if (rows.empty()) return {};
    return {rows[0][0].as<std::string>(), rows[0][1].as<int>(), rows[0][2].as<std::string>(),
            rows[0][3].as<std::string>(), rows[0][4].as<int64_t>()};
  }

  static bool WaitForState(const std::string& id, const std::string& state,
                           absl::Duration timeout = absl::Seconds(15)) {
    return Eventually([&] { return Row(id).state == state; }, timeout);
  }

  // The sends the fake received for delivery `id` (FCM data.delivery_id).
  static std::vector<Struct> SendsFor(const std::string& id) {
    std::vector<Struct> sends;
    for (Struct& request : fake_->Requests()) {
      if (StringField(request, "route") != "send") continue;
      const Struct& data = Object(Object(Object(request, "body"), "message"), "data");
      if (StringField(data, "delivery_id") == id) sends.push_back(request);
    }
    return sends;
  }

  static constexpr char kUnregistered[] = R"({"status": 404, "body": {"error": {"code": 404,
      "message": "Requested entity was not found.", "status": "NOT_FOUND", "details": [{"@type":
      "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}]}}})";
  static constexpr char kUnavailable[] = R"({"status": 503, "body": {"error": {"code": 503,
      "message": "The service is currently unavailable.", "status": "UNAVAILABLE"}}})";

  inline static FakePushServer* fake_ = nullptr;
  inline static ScratchDatabase* scratch_ = nullptr;
  inline static ServiceProcess* api_server_ = nullptr;
  inline static ::notification::v1::PushTokenService::Stub* tokens_ = nullptr;
  inline static ::notification::v1::InboxService::Stub* inbox_ = nullptr;
  inline static ::notification::v1::PreferenceService::Stub* preferences_ = nullptr;
  std::vector<std::unique_ptr<ServiceProcess>> workers_;
};

TEST_F(DeliveryWorkerTest, SendsThePayloadWithAnIssuedBearerAndEndsSent) {
  const std::string user = api::NewUuidV4();
  const std::string token = RegisterToken(user);
  auto response = Send({user}, [](auto& request) {
    (*request.mutable_data())["match_id"] = "m-42";
    request.set_deep_link("game://match/m-42");
    request.set_priority(::notification::v1::PRIORITY_NORMAL);
    request.set_collapse_key("match-m-42");
  });
  std::vector<std::string> ids = DeliveryIds(response);
  ASSERT_EQ(ids.size(), 1u);
  StartWorker();
  ASSERT_TRUE(WaitForState(ids[0], "sent")) << Row(ids[0]).state;

  std::vector<Struct> sends = SendsFor(ids[0]);
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(StringField(sends[0], "path"), "/v1/projects/demo-project/messages:send");
  // The fake answers 401 to any bearer its token endpoint did not issue.
  EXPECT_EQ(StringField(sends[0], "bearer").value_or("").rfind("fake-access-", 0), 0u);
  const Struct& message = Object(Object(sends[0], "body"), "message");
  EXPECT_EQ(StringField(message, "token"), token);
  EXPECT_EQ(StringField(Object(message, "notification"), "title"), "Your turn");
  EXPECT_EQ(StringField(Object(message, "notification"), "body"), "Alice played e4");
  EXPECT_EQ(StringField(Object(message, "data"), "match_id"), "m-42");
  EXPECT_EQ(StringField(Object(message, "data"), "deep_link"), "game://match/m-42");
  EXPECT_EQ(StringField(Object(message, "android"), "priority"), "NORMAL");
  EXPECT_EQ(StringField(Object(message, "android"), "collapse_key"), "match-m-42");
  // A re-send after an unknown outcome replaces this one in the Android tray.
  EXPECT_EQ(StringField(Object(Object(message, "android"), "notification"), "tag"), ids[0]);
  // The token endpoint verified the assertion (signature, iss, aud, scope).
  EXPECT_GE(fake_->Counter("oauth_calls"), 1);
  EXPECT_EQ(fake_->Counter("oauth_rejected"), 0);

  DeliveryRow row = Row(ids[0]);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.provider_message_id.rfind("projects/demo-project/messages/0:", 0), 0u)
      << row.provider_message_id;
}

TEST_F(DeliveryWorkerTest, UnregisteredInvalidatesTheTokenAndItsOtherQueuedDeliveries) {
  const std::string user = api::NewUuidV4();
  RegisterToken(user);
  std::vector<std::string> first = DeliveryIds(Send({user}));
  std::vector<std::string> later = DeliveryIds(Send({user}));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(later.size(), 1u);
  // The second push is not due yet: it is still queued when the verdict comes.
  Query(
      "UPDATE deliveries SET next_attempt_at = clock_timestamp() + interval '1 hour' "
      "WHERE id = $1",
      later[0]);
  fake_->Script("send", absl::StrCat("[", kUnregistered, "]"));
  StartWorker();
  ASSERT_TRUE(WaitForState(first[0], "invalid_token")) << Row(first[0]).state;

  EXPECT_EQ(Row(later[0]).state, "invalid_token");
  EXPECT_EQ(SendsFor(first[0]).size(), 1u);
  EXPECT_TRUE(SendsFor(later[0]).empty());
  pqxx::result token = Query(
      "SELECT t.invalidated_at IS NOT NULL, coalesce(t.invalid_reason, '') FROM push_tokens t "
      "JOIN deliveries d ON d.push_token_id = t.id WHERE d.id = $1",
      first[0]);
  ASSERT_EQ(token.size(), 1u);
  EXPECT_TRUE(token[0][0].as<bool>());
  EXPECT_FALSE(token[0][1].as<std::string>().empty());
  // A new send to the user writes no delivery to the dead token.
  auto again = Send({user});
  EXPECT_EQ(again.notifications(0).deliveries_queued(), 0);
}

TEST_F(DeliveryWorkerTest, RetriesAfterA503AndCountsBothAttempts) {
  const std::string user = api::NewUuidV4();
  RegisterToken(user);
  std::vector<std::string> ids = DeliveryIds(Send({user}));
  ASSERT_EQ(ids.size(), 1u);
  fake_->Script("send", absl::StrCat("[", kUnavailable, "]"));
  StartWorker();
  ASSERT_TRUE(WaitForState(ids[0], "sent")) << Row(ids[0]).state;
  EXPECT_EQ(Row(ids[0]).attempts, 2);
  EXPECT_EQ(SendsFor(ids[0]).size(), 2u);
}

TEST_F(DeliveryWorkerTest, RetryAfterIsHonoured) {
  const std::string user = api::NewUuidV4();
  RegisterToken(user);
  std::vector<std::string> ids = DeliveryIds(Send({user}));
  ASSERT_EQ(ids.size(), 1u);
  fake_->Script("send", R"([{"status": 503, "headers": {"retry-after": "2"},
      "body": {"error": {"code": 503, "message": "busy", "status": "UNAVAILABLE"}}}])");
  StartWorker();
  ASSERT_TRUE(Eventually([&] { return Row(ids[0]).attempts == 1; })) << Row(ids[0]).state;
  const absl::Time requeued = absl::Now();
  DeliveryRow row = Row(ids[0]);
  EXPECT_EQ(row.state, "queued");
  // The back-off ceiling is 100 ms here: only Retry-After explains 2 s.
  EXPECT_GE(row.scheduled_ahead_ms, 1900) << row.last_error;
  absl::SleepFor(requeued + absl::Milliseconds(1500) - absl::Now());
  EXPECT_EQ(SendsFor(ids[0]).size(), 1u) << "re-sent before Retry-After";
  ASSERT_TRUE(WaitForState(ids[0], "sent"));
  EXPECT_EQ(Row(ids[0]).attempts, 2);
  EXPECT_EQ(SendsFor(ids[0]).size(), 2u);
}

TEST_F(DeliveryWorkerTest, GivesUpAfterTheAttemptBound) {
  const std::string user = api::NewUuidV4();
  RegisterToken(user);
  std::vector<std::string> ids = DeliveryIds(Send({user}));
  ASSERT_EQ(ids.size(), 1u);
  fake_->Script("send", absl::StrCat("[", kUnavailable, ",", kUnavailable, ",", kUnavailable, ",",
                                     kUnavailable, "]"));
  StartWorker({{"PUSH_RETRY_MAX_ATTEMPTS", "3"}});
  ASSERT_TRUE(WaitForState(ids[0], "failed")) << Row(ids[0]).state;
  DeliveryRow row = Row(ids[0]);
  EXPECT_EQ(row.attempts, 3);
  EXPECT_EQ(row.last_error.rfind("gave up after 3 attempts", 0), 0u) << row.last_error;
  EXPECT_EQ(SendsFor(ids[0]).size(), 3u);
}

TEST_F(DeliveryWorkerTest, QuietHoursHoldThePushUntilTheyEnd) {
  const std::string user = api::NewUuidV4();
  RegisterToken(user);  // no time zone: UTC
  const int64_t now_minute = (absl::ToUnixSeconds(absl::Now()) / 60) % 1440;
  ::notification::v1::SetPreferencesRequest quiet;
  quiet.mutable_quiet_hours()->set_start_minute(static_cast<int>(now_minute));
  quiet.mutable_quiet_hours()->set_end_minute(static_cast<int>((now_minute + 2) % 1440));
  ::notification::v1::Preferences stored;
  grpc::Status status = preferences_->SetPreferences(As(user).get(), quiet, &stored);
  ASSERT_TRUE(status.ok()) << status.error_message();
  auto response = Send({user});
  ASSERT_EQ(response.notifications(0).deliveries_held_for_quiet_hours(), 1);
  std::vector<std::string> ids = DeliveryIds(response);
  ASSERT_EQ(ids.size(), 1u);
  StartWorker();
  absl::SleepFor(absl::Milliseconds(1500));  // 30 polls
  EXPECT_EQ(Row(ids[0]).state, "queued");
  EXPECT_TRUE(SendsFor(ids[0]).empty());
  // The window ends (brought forward from up to 2 minutes away).
  Query(
      "UPDATE deliveries SET next_attempt_at = clock_timestamp() + interval '1 second' "
      "WHERE id = $1",
      ids[0]);
  ASSERT_TRUE(WaitForState(ids[0], "sent")) << Row(ids[0]).state;
  EXPECT_EQ(SendsFor(ids[0]).size(), 1u);
}

TEST_F(DeliveryWorkerTest, KillNineMidSendResendsOnlyUnknownOutcomesWithTheSameId) {
  const std::string user = api::NewUuidV4();
  for (int i = 0; i < 3; ++i) RegisterToken(user);
  std::vector<std::string> done = DeliveryIds(Send({user}));
  std::vector<std::string> in_flight = DeliveryIds(Send({user}));
  ASSERT_EQ(done.size(), 3u);
  ASSERT_EQ(in_flight.size(), 3u);
  // Held while the first worker finishes `done`.
  Query(
      "UPDATE deliveries SET next_attempt_at = clock_timestamp() + interval '1 hour' "
      "WHERE id = ANY($1::uuid[])",
      absl::StrCat("{", absl::StrJoin(in_flight, ","), "}"));
  // The fake holds these sends for 2 s: the request timeout must outlast it.
  const std::map<std::string, std::string> patient = {{"PUSH_REQUEST_TIMEOUT_MS", "3000"},
                                                      {"DELIVERY_LEASE_MS", "14000"}};
  ServiceProcess& first = StartWorker(patient);
  for (const std::string& id : done) ASSERT_TRUE(WaitForState(id, "sent")) << id;

  // The fake takes 2 s to accept each push of `in_flight`, and accepts it
  // even though its client is gone by then: the outcome is unknown to the
  // service.
  fake_->Script("send", R"([{"delay_ms": 2000}, {"delay_ms": 2000}, {"delay_ms": 2000}])");
  Query("UPDATE deliveries SET next_attempt_at = clock_timestamp() WHERE id = ANY($1::uuid[])",
        absl::StrCat("{", absl::StrJoin(in_flight, ","), "}"));
  ASSERT_TRUE(Eventually([&] {
    for (const std::string& id : in_flight) {
      if (SendsFor(id).empty()) return false;
    }
    return true;
  }));
  first.Signal(SIGKILL);
  first.WaitForExit(absl::Seconds(5));
  for (const std::string& id : in_flight) EXPECT_EQ(Row(id).state, "sending") << id;

  StartWorker(patient);
  // Claimed again once the 14 s lease of the killed worker expires.
  for (const std::string& id : in_flight) {
    ASSERT_TRUE(WaitForState(id, "sent", absl::Seconds(30))) << id << " " << Row(id).state;
  }
  for (const std::string& id : done) {
    EXPECT_EQ(SendsFor(id).size(), 1u) << "finished before the kill, sent again: " << id;
    EXPECT_EQ(Row(id).attempts, 1);
  }
  for (const std::string& id : in_flight) {
    // Twice, and both with the delivery id as the message id the app
    // de-duplicates on; only the second outcome was recorded, but the lost
    // send counts as an attempt (the reclaim counted it).
    std::vector<Struct> sends = SendsFor(id);
    EXPECT_EQ(sends.size(), 2u) << id;
    EXPECT_EQ(Row(id).attempts, 2) << id;
  }
}

TEST_F(DeliveryWorkerTest, TwoInstancesShareTheWorkWithoutDoubleSends) {
  std::vector<std::string> users;
  for (int i = 0; i < 30; ++i) {
    users.push_back(api::NewUuidV4());
    RegisterToken(users.back());
  }
  std::vector<std::string> ids = DeliveryIds(Send(users));
  ASSERT_EQ(ids.size(), 30u);
  // Slow answers, small batches: neither instance can finish alone before
  // the other starts.
  std::string slow = "[";
  for (int i = 0; i < 30; ++i) absl::StrAppend(&slow, i ? "," : "", R"({"delay_ms": 300})");
  fake_->Script("send", slow + "]");
  const std::map<std::string, std::string> small = {{"DELIVERY_BATCH_SIZE", "3"},
                                                    {"DELIVERY_SEND_THREADS", "3"}};
  // Held until both instances serve: one that started late on a loaded
  // machine would find the work done.
  const std::string id_array = absl::StrCat("{", absl::StrJoin(ids, ","), "}");
  Query(
      "UPDATE deliveries SET next_attempt_at = clock_timestamp() + interval '1 hour' "
      "WHERE id = ANY($1::uuid[])",
      id_array);
  ServiceProcess& a = StartWorker(small);
  ServiceProcess& b = StartWorker(small);
  const absl::Time start = absl::Now();
  Query("UPDATE deliveries SET next_attempt_at = clock_timestamp() WHERE id = ANY($1::uuid[])",
        id_array);
  for (const std::string& id : ids) ASSERT_TRUE(WaitForState(id, "sent", absl::Seconds(30))) << id;
  std::cout << "30 deliveries at 300 ms each through 2 instances in " << absl::Now() - start
            << std::endl;
  int by_a = 0, by_b = 0;
  const std::string log_a = a.Log(), log_b = b.Log();
  for (const std::string& id : ids) {
    EXPECT_EQ(SendsFor(id).size(), 1u) << id;
    const std::string line = absl::StrCat("delivery ", id, " to ");
    const bool in_a = log_a.find(line) != std::string::npos;
    const bool in_b = log_b.find(line) != std::string::npos;
    EXPECT_NE(in_a, in_b) << id << " sent by both or neither";
    by_a += in_a;
    by_b += in_b;
  }
  EXPECT_GT(by_a, 0);
  EXPECT_GT(by_b, 0);
  std::cout << "instance a sent " << by_a << ", instance b " << by_b << std::endl;
}

TEST_F(DeliveryWorkerTest, A429BacksOffTheWholeProvider) {
  const std::string user = api::NewUuidV4();
  RegisterToken(user);
  std::vector<std::string> first = DeliveryIds(Send({user}));
  ASSERT_EQ(first.size(), 1u);
  fake_->Script("send", R"([{"status": 429, "headers": {"retry-after": "2"},
      "body": {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED",
      "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
      "errorCode": "QUOTA_EXCEEDED"}]}}}])");
  StartWorker();
  ASSERT_TRUE(Eventually([&] {
    DeliveryRow row = Row(first[0]);
    return row.state == "queued" && !row.last_error.empty();
  })) << Row(first[0]).state;
  const absl::Time throttled = absl::Now();
  EXPECT_GE(Row(first[0]).scheduled_ahead_ms, 1900);
  // A provider-wide answer: not the delivery's attempt.
  EXPECT_EQ(Row(first[0]).attempts, 0);
  // Another user's push, due now, waits for the provider too.
  const std::string other = api::NewUuidV4();
  RegisterToken(other);
  std::vector<std::string> second = DeliveryIds(Send({other}));
  ASSERT_EQ(second.size(), 1u);
  absl::SleepFor(throttled + absl::Milliseconds(1500) - absl::Now());
  EXPECT_TRUE(SendsFor(second[0]).empty()) << "sent while the provider backs off";
  ASSERT_TRUE(WaitForState(second[0], "sent"));
  ASSERT_TRUE(WaitForState(first[0], "sent"));
  EXPECT_EQ(SendsFor(first[0]).size(), 2u);
  EXPECT_EQ(Row(first[0]).attempts, 1);   // the throttled send did not count
  EXPECT_EQ(Row(second[0]).attempts, 1);  // given back unsent: not an attempt
}

TEST_F(DeliveryWorkerTest, RefusedCredentialsPauseTheProviderUntilAProbeWorks) {
  // Every access token is refused, the refreshed one too: PauseProvider.
  fake_->Configure(R"({"revoke_tokens": true})");
  const std::string user = api::NewUuidV4();
  RegisterToken(user);
  RegisterToken(user);
  std::vector<std::string> ids = DeliveryIds(Send({user}));
  ASSERT_EQ(ids.size(), 2u);
  ServiceProcess& worker = StartWorker({{"DELIVERY_PAUSE_RECHECK_MS", "700"}});
  ASSERT_TRUE(Eventually(
      [&] { return worker.Log().find("push provider fcm paused") != std::string::npos; }));
  // Degraded, not down: health stays SERVING and Diagnostics says why.
  auto degradations = [&] {
    ::ops::v1::GetServiceInfoResponse info;
    grpc::ClientContext context;
    grpc::Status status = ::ops::v1::Diagnostics::NewStub(ChannelTo(worker))
                              ->GetServiceInfo(&context, ::ops::v1::GetServiceInfoRequest(), &info);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return info;
  };
  ::ops::v1::GetServiceInfoResponse paused = degradations();
  ASSERT_EQ(paused.degradations_size(), 1);
  EXPECT_EQ(paused.degradations(0).component(), "push:fcm");
  EXPECT_NE(paused.degradations(0).detail().find("paused"), std::string::npos);
  EXPECT_TRUE(worker.WaitUntilServing(absl::Seconds(1)));
  absl::SleepFor(absl::Milliseconds(1500));  // two probes
  for (const std::string& id : ids) {
    DeliveryRow row = Row(id);
    EXPECT_NE(row.state, "sent") << id;
    EXPECT_NE(row.state, "failed") << id;
    EXPECT_EQ(row.attempts, 0) << "a pause is not the delivery's failure";
  }
  fake_->Configure(R"({"revoke_tokens": false})");
  for (const std::string& id : ids) ASSERT_TRUE(WaitForState(id, "sent")) << Row(id).last_error;
  // Logged once per state change, however many sends met the pause.
  const std::string log = worker.Log();
  auto count = [&](const std::string& needle) {
    int n = 0;
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("push provider fcm paused"), 1);
  EXPECT_EQ(count("push provider fcm resumed"), 1);
  EXPECT_EQ(degradations().degradations_size(), 0);
  pqxx::result tokens = Query(
      "SELECT count(*) FROM push_tokens t JOIN deliveries d ON d.push_token_id = t.id "
      "WHERE d.id = ANY($1::uuid[]) AND t.invalidated_at IS NULL",
      absl::StrCat("{", absl::StrJoin(ids, ","), "}"));
  EXPECT_EQ(tokens[0][0].as<int>(), 2) << "tokens kept";
}

TEST_F(DeliveryWorkerTest, AMovedTokenNeverGetsThePreviousUsersPush) {
  const std::string previous = api::NewUuidV4();
  const std::string next = api::NewUuidV4();
  RegisterToken(previous);
  std::vector<std::string> sending = DeliveryIds(Send({previous}));
  std::vector<std::string> requeued = DeliveryIds(Send({previous}));
  ASSERT_EQ(sending.size(), 1u);
  ASSERT_EQ(requeued.size(), 1u);
  // One push is `sending` under a lease that expired (its worker died), the
  // other was requeued after a 503; then the device changed hands. The API
  // finishes only QUEUED rows on a move, and these two were not.
  Query(
      "UPDATE deliveries SET state = 'sending', first_attempt_at = clock_timestamp(), "
      "lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = $1",
      sending[0]);
  Query(
      "UPDATE deliveries SET attempts = 1, first_attempt_at = clock_timestamp(), "
      "last_error = '503 UNAVAILABLE' WHERE id = $1",
      requeued[0]);
  Query(
      "UPDATE push_tokens SET user_id = $1 "
      "WHERE id = (SELECT push_token_id FROM deliveries WHERE id = $2)",
      next, sending[0]);
  StartWorker();
  for (const std::string& id : {sending[0], requeued[0]}) {
    ASSERT_TRUE(WaitForState(id, "invalid_token")) << id << " " << Row(id).state;
    EXPECT_EQ(Row(id).last_error, "token moved to another user");
    EXPECT_TRUE(SendsFor(id).empty()) << "the previous user's push reached the new owner";
  }
}

TEST_F(DeliveryWorkerTest, RowsWhoseLeaseCannotCoverASendGoBackUnsent) {
  std::vector<std::string> users;
  for (int i = 0; i < 5; ++i) {
    users.push_back(api::NewUuidV4());
    RegisterToken(users.back());
  }
  std::vector<std::string> ids = DeliveryIds(Send(users));
  ASSERT_EQ(ids.size(), 5u);
  fake_->Script("send", R"([{"delay_ms": 700}, {"delay_ms": 700}, {"delay_ms": 700},
      {"delay_ms": 700}, {"delay_ms": 700}])");
  // One thread sends the batch of 5 in a row at 0.7 s each under one 6.5 s
  // lease, while a send may take 5 s (1 s permit + 4 x 1 s): from the third
  // or fourth row on, the lease could expire mid-send.
  ServiceProcess& worker = StartWorker({{"PUSH_REQUEST_TIMEOUT_MS", "1000"},
                                        {"DELIVERY_LEASE_MS", "6500"},
                                        {"DELIVERY_SEND_THREADS", "1"},
                                        {"DELIVERY_BATCH_SIZE", "5"}});
  for (const std::string& id : ids) ASSERT_TRUE(WaitForState(id, "sent")) << id;
  const std::string log = worker.Log();
  int given_back = 0;
  for (const std::string& id : ids) {
    EXPECT_EQ(SendsFor(id).size(), 1u) << id;
    // Given back uncounted, then sent once under the next claim's lease.
    EXPECT_EQ(Row(id).attempts, 1) << id;
    given_back +=
        log.find(absl::StrCat("delivery ", id, " given back unsent")) != std::string::npos;
  }
  EXPECT_GE(given_back, 1) << "every row was sent however little lease it had left";
  EXPECT_LE(given_back, 3) << "the lease left room for the first two sends";
}

TEST_F(DeliveryWorkerTest, AFailedOAuthTokenFetchIsNotTheDeliverysAttempt) {
  const std::string user = api::NewUuidV4();
  RegisterToken(user);
  std::vector<std::string> ids = DeliveryIds(Send({user}));
  ASSERT_EQ(ids.size(), 1u);
  fake_->Script("token", R"([{"status": 503, "body": {"error": "unavailable"}},
      {"status": 503, "body": {"error": "unavailable"}},
      {"status": 503, "body": {"error": "unavailable"}}])");
  // Two attempts in all: counting the token failures would fail it.
  StartWorker({{"PUSH_RETRY_MAX_ATTEMPTS", "2"}});
  ASSERT_TRUE(WaitForState(ids[0], "sent")) << Row(ids[0]).state << " " << Row(ids[0]).last_error;
  EXPECT_GE(fake_->Counter("oauth_calls"), 4);
  EXPECT_EQ(SendsFor(ids[0]).size(), 1u);
  EXPECT_EQ(Row(ids[0]).attempts, 1);
}

TEST_F(DeliveryWorkerTest, ThrottlingEndsADeliveryOnlyPastTheRetryAge) {
  const std::string user = api::NewUuidV4();
  RegisterToken(user);
  std::vector<std::string> ids = DeliveryIds(Send({user}));
  ASSERT_EQ(ids.size(), 1u);
  // First tried 2 h ago (the age bound is 1 h), one attempt so far.
  Query(
      "UPDATE deliveries SET attempts = 1, "
      "first_attempt_at = clock_timestamp() - interval '2 hours' WHERE id = $1",
      ids[0]);
  fake_->Script("send", R"([{"status": 429, "headers": {"retry-after": "2"},
      "body": {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED",
      "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
      "errorCode": "QUOTA_EXCEEDED"}]}}}])");
  StartWorker();
  ASSERT_TRUE(WaitForState(ids[0], "failed")) << Row(ids[0]).state;
  DeliveryRow row = Row(ids[0]);
  EXPECT_EQ(row.last_error.rfind("gave up: provider throttled past the retry age bound", 0), 0u)
      << row.last_error;
  EXPECT_EQ(row.attempts, 1) << "the throttled answer counted as an attempt";
  EXPECT_EQ(SendsFor(ids[0]).size(), 1u);
}

TEST_F(DeliveryWorkerTest, TheLogProviderIsTheDefaultAndNeverLogsTheWholeToken) {
  const std::string user = api::NewUuidV4();
  const std::string token = RegisterToken(user);
  std::vector<std::string> ids = DeliveryIds(Send({user}));
  ASSERT_EQ(ids.size(), 1u);
  // No PUSH_* settings: what a local run gets.
  std::map<std::string, std::string> env = ServiceProcess::DefaultEnv("notification");
  env["DB_NAME"] = scratch_->name();
  env["DELIVERY_WORKER_ENABLED"] = "true";
  env["DELIVERY_POLL_MS"] = "50";
  env["LOG_LEVEL"] = "debug";
  workers_.push_back(StartService("notification", env));
  ASSERT_TRUE(WaitForState(ids[0], "sent")) << Row(ids[0]).state;
  EXPECT_TRUE(SendsFor(ids[0]).empty());
  EXPECT_EQ(Row(ids[0]).attempts, 1);
  const std::string log = workers_.back()->Log();
  EXPECT_EQ(log.find(token), std::string::npos);
  EXPECT_NE(log.find(token.substr(token.size() - 6)), std::string::npos);
}

// ----- The store alone (no worker running): the claim and the lease guard -----

class DeliveryStoreTest : public DeliveryWorkerTest {
 protected:
  notification::ClaimedBatch Claim(absl::Duration lease) {
    absl::StatusOr<notification::ClaimedBatch> batch =
        database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<notification::ClaimedBatch> {
          return store_.Claim(tx, 100, lease, notification::delivery::RetryPolicySettings{});
        });
    EXPECT_TRUE(batch.ok()) << batch.status();
    return batch.ok() ? *batch : notification::ClaimedBatch{};
  }

  static const notification::ClaimedDelivery* Find(const notification::ClaimedBatch& batch,
                                                   const std::string& id) {
    for (const auto& claimed : batch.to_send) {
      if (claimed.lease.delivery_id == id) return &claimed;
    }
    return nullptr;
  }

  bool MarkSent(const notification::DeliveryLease& lease) {
    absl::StatusOr<bool> recorded = database_.Write([&](db::WriteTx& tx) -> absl::StatusOr<bool> {
      return store_.MarkSent(tx, lease, "projects/demo-project/messages/0:1", "200", std::nullopt);
    });
    EXPECT_TRUE(recorded.ok()) << recorded.status();
    return recorded.ok() && *recorded;
  }

  db::Database database_{scratch_->Config(), "delivery-store-test"};
  notification::DeliveryStore store_;
};

TEST_F(DeliveryStoreTest, AWorkerWhoseLeaseWasTakenOverRecordsNothing) {
  const std::string user = api::NewUuidV4();
  const std::string token = RegisterToken(user);
  std::vector<std::string> ids = DeliveryIds(Send({user}));
  ASSERT_EQ(ids.size(), 1u);

  notification::ClaimedBatch first = Claim(absl::Milliseconds(300));
  const notification::ClaimedDelivery* mine = Find(first, ids[0]);
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->message.message_id, ids[0]);
  EXPECT_EQ(mine->message.token, token);
  EXPECT_EQ(mine->message.title, "Your turn");
  EXPECT_EQ(mine->message.platform, notification::delivery::PushPlatform::kFcm);
  EXPECT_EQ(mine->attempts, 0);
  const notification::DeliveryLease stale = mine->lease;
  // Held: the next claim skips it until the lease expires.
  EXPECT_EQ(Find(Claim(absl::Seconds(60)), ids[0]), nullptr);
  absl::SleepFor(absl::Milliseconds(400));
  notification::ClaimedBatch second = Claim(absl::Seconds(60));
  const notification::ClaimedDelivery* taken_over = Find(second, ids[0]);
  ASSERT_NE(taken_over, nullptr);

  EXPECT_FALSE(MarkSent(stale));
  EXPECT_EQ(Row(ids[0]).state, "sending");
  EXPECT_TRUE(MarkSent(taken_over->lease));
  EXPECT_EQ(Row(ids[0]).state, "sent");
  EXPECT_FALSE(MarkSent(taken_over->lease)) << "recorded twice";
}

TEST_F(DeliveryStoreTest, ClaimFinishesExpiredAndInvalidTokenRowsWithoutSending) {
  const std::string user = api::NewUuidV4();
  RegisterToken(user);
  auto expiring = Send({user}, [](auto& request) { request.set_time_to_live_seconds(60); });
  std::vector<std::string> expired = DeliveryIds(expiring);
  ASSERT_EQ(expired.size(), 1u);
  Query(
      "UPDATE notification_logs SET expires_at = clock_timestamp() - interval '1 second' "
      "WHERE id = $1",
      expiring.notifications(0).notification_id());
  const std::string other_user = api::NewUuidV4();
  RegisterToken(other_user);
  std::vector<std::string> dead = DeliveryIds(Send({other_user}));
  ASSERT_EQ(dead.size(), 1u);
  Query(
      "UPDATE push_tokens SET invalidated_at = clock_timestamp(), invalid_reason = 'test' "
      "WHERE id = (SELECT push_token_id FROM deliveries WHERE id = $1)",
      dead[0]);

  notification::ClaimedBatch batch = Claim(absl::Seconds(60));
  EXPECT_EQ(Find(batch, expired[0]), nullptr);
  EXPECT_EQ(Find(batch, dead[0]), nullptr);
  EXPECT_GE(batch.rows, 2);
  EXPECT_EQ(Row(expired[0]).state, "expired");
  EXPECT_EQ(Row(dead[0]).state, "invalid_token");
  EXPECT_EQ(Row(dead[0]).last_error, "token invalidated or gone");
}

TEST_F(DeliveryStoreTest, AReclaimCountsTheLostSendAndGivesUpAtTheBound) {
  const std::string user = api::NewUuidV4();
  RegisterToken(user);
  std::vector<std::string> fresh = DeliveryIds(Send({user}));
  std::vector<std::string> retried = DeliveryIds(Send({user}));
  std::vector<std::string> old = DeliveryIds(Send({user}));
  ASSERT_EQ(fresh.size() + retried.size() + old.size(), 3u);
  // Each `sending` under an expired lease: its send crashed or hung the worker.
  auto lost = [&](const std::string& id, int attempts, int age_seconds) {
    Query(
        "UPDATE deliveries SET state = 'sending', attempts = $2, "
        "first_attempt_at = clock_timestamp() - make_interval(secs => $3), "
        "lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = $1",
        id, attempts, age_seconds);
  };
  lost(fresh[0], 1, 10);
  lost(retried[0], 4, 10);  // the 5th attempt, the default bound, was the lost one
  lost(old[0], 0, 7200);    // older than the 1 h bound

  notification::ClaimedBatch batch = Claim(absl::Seconds(60));
  const notification::ClaimedDelivery* again = Find(batch, fresh[0]);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->attempts, 2);
  EXPECT_EQ(Find(batch, retried[0]), nullptr);
  EXPECT_EQ(Find(batch, old[0]), nullptr);
  DeliveryRow gave_up = Row(retried[0]);
  EXPECT_EQ(gave_up.state, "failed");
  EXPECT_EQ(gave_up.attempts, 5);
  EXPECT_EQ(gave_up.last_error.rfind("gave up after 5 attempts: lease expired", 0), 0u)
      << gave_up.last_error;
  DeliveryRow too_old = Row(old[0]);
  EXPECT_EQ(too_old.state, "failed");
  EXPECT_EQ(too_old.attempts, 1);
  EXPECT_EQ(too_old.last_error.rfind("gave up after 1 attempts: lease expired", 0), 0u)
      << too_old.last_error;
}

}  // namespace
}  // namespace qs::testing
