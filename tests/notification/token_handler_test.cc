// notification.v1.PushTokenService against the real notification binary:
// upsert, one token per installation, a token moving between users, the
// provider's invalidation surviving a re-register of the same token, the
// stale prune, bad input, and tokens never leaving whole (responses, log).
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/notification/notification_server_fixture.h"
#include "tests/support/start_barrier.h"
#include "tests/support/test_infra.h"

namespace qs::testing {
namespace {

namespace v1 = ::notification::v1;

class TokenHandlerTest : public NotificationServerFixture {
 protected:
  // The stored token text of a registration, on the primary.
  static std::string StoredToken(const std::string& id) {
    return QueryPrimary(kDatabase, "SELECT token FROM push_tokens WHERE id = $1", id)[0][0]
        .as<std::string>();
  }

  static std::vector<v1::PushToken> List(const std::string& user) {
    v1::ListPushTokensResponse response;
    grpc::Status status =
        tokens_->ListPushTokens(As(user).get(), v1::ListPushTokensRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.push_tokens().begin(), response.push_tokens().end()};
  }
};

TEST_F(TokenHandlerTest, RegisterStoresTheInstallationAndShowsOnlyTheSuffix) {
  const std::string user = NewUser();
  v1::RegisterPushTokenRequest request;
  request.set_device_id("pixel-8");
  request.set_app_id("com.example.game");
  request.set_platform(v1::PLATFORM_APNS);
  request.set_token(std::string(60, 'a') + "b1c2");
  request.set_app_version("2.4.0");
  request.set_locale("de-DE");
  request.set_time_zone("Europe/Berlin");
  request.set_apns_sandbox(true);
  v1::PushToken token;
  ASSERT_TRUE(tokens_->RegisterPushToken(As(user).get(), request, &token).ok());
  EXPECT_TRUE(api::IsUuid(token.id()));
  EXPECT_EQ(token.user_id(), user);
  EXPECT_EQ(token.platform(), v1::PLATFORM_APNS);
  EXPECT_EQ(token.token_suffix(), "aab1c2");
  EXPECT_EQ(token.app_version(), "2.4.0");
  EXPECT_EQ(token.locale(), "de-DE");
  EXPECT_EQ(token.time_zone(), "Europe/Berlin");
  EXPECT_TRUE(token.apns_sandbox());
  EXPECT_FALSE(token.has_invalidated_at());
  EXPECT_EQ(StoredToken(token.id()), request.token());
  EXPECT_EQ(token.SerializeAsString().find(request.token()), std::string::npos);
  // The replica's listing shows it (after the lag), suffix only.
  ASSERT_TRUE(Eventually([&] { return List(user).size() == 1; }));
  v1::PushToken listed = List(user)[0];
  EXPECT_EQ(listed.id(), token.id());
  EXPECT_EQ(listed.token_suffix(), "aab1c2");
  // Never in the server's log.
  EXPECT_EQ(server().Log().find(request.token()), std::string::npos);
}

TEST_F(TokenHandlerTest, OneInstallationKeepsOneCurrentTokenAndRefreshesLastSeen) {
  const std::string user = NewUser();
  const std::string first = NewFcmToken();
  v1::PushToken registered = Register(user, "device-a", first);
  v1::PushToken again = Register(user, "device-a", first);
  EXPECT_EQ(again.id(), registered.id());
  EXPECT_GT(Micros(again.last_seen_at()), Micros(registered.last_seen_at()));
  EXPECT_EQ(again.created_at().seconds(), registered.created_at().seconds());
  // A rotated token replaces the old one in the same row.
  const std::string rotated = NewFcmToken();
  v1::PushToken replaced = Register(user, "device-a", rotated);
  EXPECT_EQ(replaced.id(), registered.id());
  EXPECT_EQ(StoredToken(replaced.id()), rotated);
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE user_id = $1", user), 1);
  // Another device of the same user is another registration.
  Register(user, "device-b", NewFcmToken());
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE user_id = $1", user), 2);
}

TEST_F(TokenHandlerTest, TheSameTokenRegisteredByAnotherUserMovesToThatUser) {
  const std::string alice = NewUser();
  const std::string bob = NewUser();
  const std::string token = NewFcmToken();
  v1::PushToken alices = Register(alice, "shared-tablet-old-id", token);
  // Alice has a push waiting on it.
  v1::SendNotificationResponse sent = Send(kSystem, {alice}, "news");
  ASSERT_EQ(DeliveryStates(sent.notifications(0).notification_id()),
            std::vector<std::string>{"queued"});
  // Bob registers the same token from a reinstall (a new device id).
  v1::PushToken bobs = Register(bob, "shared-tablet-new-id", token);
  EXPECT_EQ(bobs.user_id(), bob);
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE token = $1", token), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE user_id = $1", alice), 0);
  // Alice's queued push will not reach Bob's device.
  EXPECT_EQ(DeliveryStates(sent.notifications(0).notification_id()),
            std::vector<std::string>{"invalid_token"});
  pqxx::result finished =
      QueryPrimary(kDatabase,
                   "SELECT last_error, push_token_id IS NULL, finished_at IS NOT NULL "
                   "FROM deliveries WHERE notification_log_id = $1",
                   sent.notifications(0).notification_id());
  EXPECT_EQ(finished[0][0].as<std::string>(), "token registered by another installation");
  EXPECT_TRUE(finished[0][1].as<bool>()) << "the old registration row is gone";
  EXPECT_TRUE(finished[0][2].as<bool>());
  EXPECT_NE(bobs.id(), alices.id());
}

TEST_F(TokenHandlerTest, ADeviceChangingHandsMovesItsRowAndDropsTheOldUsersQueuedPushes) {
  const std::string alice = NewUser();
  const std::string bob = NewUser();
  v1::PushToken alices = Register(alice, "family-phone", NewFcmToken());
  v1::SendNotificationResponse sent = Send(kSystem, {alice}, "news");
  v1::PushToken bobs = Register(bob, "family-phone", NewFcmToken());
  EXPECT_EQ(bobs.id(), alices.id());
  EXPECT_EQ(bobs.user_id(), bob);
  EXPECT_EQ(DeliveryStates(sent.notifications(0).notification_id()),
            std::vector<std::string>{"invalid_token"});
  EXPECT_EQ(
      QueryPrimary(kDatabase, "SELECT last_error FROM deliveries WHERE notification_log_id = $1",
                   sent.notifications(0).notification_id())[0][0]
          .as<std::string>(),
      "token moved to another user");
  // Bob's own pushes go to it.
  v1::SendNotificationResponse bobs_push = Send(kSystem, {bob}, "news");
  EXPECT_EQ(bobs_push.notifications(0).deliveries_queued(), 1);
}

TEST_F(TokenHandlerTest, AnInvalidatedTokenStaysInvalidUntilANewTokenComes) {
  const std::string user = NewUser();
  const std::string token = NewFcmToken();
  v1::PushToken registered = Register(user, "device-x", token);
  // The delivery worker's verdict (FCM UNREGISTERED).
  QueryPrimary(kDatabase,
               "UPDATE push_tokens SET invalidated_at = now(), invalid_reason = 'UNREGISTERED' "
               "WHERE id = $1",
               registered.id());
  v1::PushToken again = Register(user, "device-x", token);
  EXPECT_TRUE(again.has_invalidated_at());
  EXPECT_EQ(again.invalid_reason(), "UNREGISTERED");
  EXPECT_EQ(Send(kSystem, {user}, "news").notifications(0).deliveries_queued(), 0);
  v1::PushToken fresh = Register(user, "device-x", NewFcmToken());
  EXPECT_FALSE(fresh.has_invalidated_at());
  EXPECT_EQ(fresh.invalid_reason(), "");
  EXPECT_EQ(Send(kSystem, {user}, "news").notifications(0).deliveries_queued(), 1);
}

TEST_F(TokenHandlerTest, UnregisterRemovesOnlyTheCallersOwnRegistration) {
  const std::string user = NewUser();
  const std::string other = NewUser();
  v1::PushToken registered = Register(user, "device-u", NewFcmToken());
  v1::SendNotificationResponse sent = Send(kSystem, {user}, "news");
  v1::UnregisterPushTokenRequest request;
  request.set_device_id("device-u");
  request.set_app_id("com.example.game");
  v1::UnregisterPushTokenResponse response;
  // Someone else's installation: NOT_FOUND, nothing removed.
  EXPECT_EQ(tokens_->UnregisterPushToken(As(other).get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE user_id = $1", user), 1);
  ASSERT_TRUE(tokens_->UnregisterPushToken(As(user).get(), request, &response).ok());
  EXPECT_EQ(response.push_token_id(), registered.id());
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE user_id = $1", user), 0);
  EXPECT_EQ(DeliveryStates(sent.notifications(0).notification_id()),
            std::vector<std::string>{"invalid_token"});
  grpc::Status again = tokens_->UnregisterPushToken(As(user).get(), request, &response);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(again.error_message().rfind("device_id:", 0), 0u) << again.error_message();
}

TEST_F(TokenHandlerTest, TheLongestTokenFitsTheUniqueIndex) {
  const std::string user = NewUser();
  v1::RegisterPushTokenRequest request;
  request.set_device_id("device-long");
  request.set_app_id("com.example.game");
  request.set_platform(v1::PLATFORM_FCM);
  request.set_token(absl::StrCat(NewFcmToken(), std::string(2048, 'y')).substr(0, 2048));
  v1::PushToken token;
  grpc::Status status = tokens_->RegisterPushToken(As(user).get(), request, &token);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(StoredToken(token.id()), request.token());
}

TEST_F(TokenHandlerTest, AUniqueViolationNeverEchoesTheToken) {
  const std::string token = NewFcmToken();
  // Another writer that bypasses the store's advisory lock holds an
  // uncommitted row with the token: the registration's INSERT waits on it
  // and, once it commits, fails with a unique violation on (platform, token).
  const TestInfra& infra = TestInfra::Get();
  pqxx::connection other(infra.AdminConnectionString(infra.primary_port, kDatabase));
  pqxx::work held(other);
  // A device of its own: the database outlives a run (and the row commits).
  held.exec_params(
      "INSERT INTO push_tokens (user_id, app_id, device_id, platform, token) "
      "VALUES ($1::uuid, 'com.example.game', 'device-elsewhere-' || $1::text, 'fcm', $2)",
      NewUser(), token);
  // Committed once the registration waits on the held row (not after a
  // fixed time: a registration that came later would see the row committed
  // and, rightly, take another path).
  const int holder = other.backendpid();
  std::thread commit([&] {
    const bool blocked = Eventually([&] {
      return QueryPrimary(kDatabase,
                          "SELECT count(*) FROM pg_stat_activity "
                          "WHERE $1 = ANY(pg_blocking_pids(pid))",
                          holder)[0][0]
                 .as<int>() > 0;
    });
    EXPECT_TRUE(blocked) << "the registration never waited on the held row";
    held.commit();
  });
  const std::string user = NewUser();
  v1::RegisterPushTokenRequest request;
  request.set_device_id("device-racing");
  request.set_app_id("com.example.game");
  request.set_platform(v1::PLATFORM_FCM);
  request.set_token(token);
  v1::PushToken registered;
  grpc::Status status = tokens_->RegisterPushToken(As(user).get(), request, &registered);
  commit.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  EXPECT_EQ(status.error_message().find(token), std::string::npos) << status.error_message();
  EXPECT_EQ(status.error_message().rfind("token:", 0), 0u) << status.error_message();
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE user_id = $1", user), 0);
}

TEST_F(TokenHandlerTest, BadInputIsRejectedNamingTheFieldAndChangesNothing) {
  const std::string user = NewUser();
  struct Case {
    const char* field;
    v1::Platform platform;
    std::string token;
    std::string time_zone;
  };
  const std::vector<Case> cases = {
      {"platform", v1::PLATFORM_UNSPECIFIED, NewFcmToken(), ""},
      {"token", v1::PLATFORM_FCM, "", ""},
      // Over 2048 bytes (the unique index could not hold ~2704).
      {"token", v1::PLATFORM_FCM, std::string(2049, 'x'), ""},
      {"token", v1::PLATFORM_APNS, "not-hex", ""},
      {"time_zone", v1::PLATFORM_FCM, NewFcmToken(), "Europe/Atlantis"},
  };
  for (const Case& c : cases) {
    v1::RegisterPushTokenRequest request;
    request.set_device_id("device-bad");
    request.set_app_id("com.example.game");
    request.set_platform(c.platform);
    request.set_token(c.token);
    request.set_time_zone(c.time_zone);
    v1::PushToken token;
    grpc::Status status = tokens_->RegisterPushToken(As(user).get(), request, &token);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_EQ(status.error_message().rfind(absl::StrCat(c.field, ":"), 0), 0u)
        << status.error_message();
  }
  v1::UnregisterPushTokenRequest unregister;
  v1::UnregisterPushTokenResponse unregistered;
  grpc::Status status = tokens_->UnregisterPushToken(As(user).get(), unregister, &unregistered);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("device_id:", 0), 0u) << status.error_message();
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE user_id = $1", user), 0);
  // Without an acting user.
  v1::ListPushTokensResponse listed;
  EXPECT_EQ(
      tokens_->ListPushTokens(As("").get(), v1::ListPushTokensRequest(), &listed).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TokenHandlerTest, ConcurrentRegistrationsOfOneTokenLeaveItWithExactlyOneInstallation) {
  const std::string token = NewFcmToken();
  std::vector<std::string> users;
  for (int i = 0; i < 8; ++i) users.push_back(NewUser());
  std::vector<grpc::Status> statuses(8);
  RunTogether(8, [&](int i) {
    v1::RegisterPushTokenRequest request;
    request.set_device_id(absl::StrCat("racer-", i));
    request.set_app_id("com.example.game");
    request.set_platform(v1::PLATFORM_FCM);
    request.set_token(token);
    v1::PushToken registered;
    statuses[i] = tokens_->RegisterPushToken(As(users[i]).get(), request, &registered);
  });
  for (const grpc::Status& status : statuses) EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE token = $1", token), 1);
}

// A server of its own, on a database of its own, that prunes every 200 ms.
class TokenPruneTest : public TokenHandlerTest {};

TEST_F(TokenPruneTest, RegistrationsUnseenForTheStalePeriodArePrunedInBatches) {
  const std::map<std::string, std::string> prune_often = {
      {"NOTIFICATION_PRUNE_INTERVAL_MS", "200"}};
  OwnServer own(prune_often);
  ServiceProcess* pruning = &own.process();
  const std::string user = NewUser();
  const std::string stale_token = NewFcmToken();
  v1::PushToken stale = Register(user, "old-phone", stale_token);
  v1::PushToken fresh = Register(user, "new-phone", NewFcmToken());
  v1::SendNotificationResponse sent = Send(kSystem, {user}, "news");
  // Seen 271 days ago (the default TOKEN_STALE_DAYS is 270), and 269.
  QueryPrimary(database(),
               "UPDATE push_tokens SET last_seen_at = now() - interval '271 days' WHERE id = $1",
               stale.id());
  QueryPrimary(database(),
               "UPDATE push_tokens SET last_seen_at = now() - interval '269 days' WHERE id = $1",
               fresh.id());
  ASSERT_TRUE(Eventually(
      [&] { return Count("SELECT count(*) FROM push_tokens WHERE id = $1", stale.id()) == 0; }));
  EXPECT_EQ(Count("SELECT count(*) FROM push_tokens WHERE id = $1", fresh.id()), 1);
  // The stale token's queued push finished; the fresh one's is still queued.
  pqxx::result deliveries = QueryPrimary(
      database(),
      "SELECT state, coalesce(last_error, '') FROM deliveries WHERE notification_log_id = $1 "
      "ORDER BY state",
      sent.notifications(0).notification_id());
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0][0].as<std::string>(), "invalid_token");
  EXPECT_EQ(deliveries[0][1].as<std::string>(), "token pruned as stale");
  EXPECT_EQ(deliveries[1][0].as<std::string>(), "queued");
  // The prune logs counts, never the token.
  ASSERT_TRUE(Eventually([&] {
    return pruning->Log().find("pruned 1 stale push tokens") != std::string::npos;
  })) << pruning->Log();
  EXPECT_EQ(pruning->Log().find(stale_token), std::string::npos);
}

}  // namespace
}  // namespace qs::testing
