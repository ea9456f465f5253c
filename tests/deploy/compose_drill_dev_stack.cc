// Issue 15's compose drill, the development stack (docker-compose.yml): the
// images of deploy/images/build.sh run by podman-compose, called from the
// host through their published ports with real gRPC stubs, checked in
// PostgreSQL through psql in the postgres container. Health, reflection and
// a write read back per service, the migrations each database holds, a
// SIGTERM drain that finishes a call in flight, and `down -v` leaving
// nothing of the project.
//
// One binary with compose_drill_scale_out.cc (//tests/deploy:compose_drill_test,
// tagged manual): tests/deploy/run_drill.sh builds the images and runs it.
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/api/uuid.h"
#include "common/grpc/call_log.h"
#include "gtest/gtest.h"
#include "proto/notification/v1/push_tokens.grpc.pb.h"
#include "proto/quest/v1/puzzles.grpc.pb.h"
#include "proto/social/v1/friends.grpc.pb.h"
#include "tests/deploy/drill_calls.h"
#include "tests/deploy/drill_checks.h"
#include "tests/deploy/drill_stack.h"
#include "tests/deploy/drill_table_lock.h"
#include "tests/support/eventually.h"
#include "tests/support/reflection.h"
#include "tests/support/service_process.h"

namespace qs::drill {
namespace {

namespace nv1 = ::notification::v1;
namespace qv1 = ::quest::v1;
namespace sv1 = ::social::v1;

class DevStackDrill : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<DrillStack>> created =
        DrillStack::Create({"docker-compose.yml"});
    ASSERT_TRUE(created.ok()) << created.status();
    stack_ = *std::move(created);
    const absl::Time start = absl::Now();
    absl::Status up = stack_->project().Up();
    ASSERT_TRUE(up.ok()) << up;
    absl::Status healthy = stack_->WaitHealthy(
        {"postgres", "nats", "quest", "notification", "social"}, kHealthyTimeout);
    ASSERT_TRUE(healthy.ok()) << healthy;
    Figure(absl::StrCat("dev stack: up and healthy in ", Since(start)));
  }

  static void TearDownTestSuite() {
    if (stack_ != nullptr && ::testing::UnitTest::GetInstance()->Failed()) {
      for (const std::string service : {"quest", "notification", "social"}) {
        const std::string container = stack_->project().Container(service);
        if (!container.empty()) {
          std::cerr << "---- " << container << " ----\n" << Tail(stack_->project().Logs(container));
        }
      }
    }
    stack_.reset();  // down -v (ComposeProject's destructor)
  }

  void SetUp() override {
    if (stack_ == nullptr) GTEST_FAIL() << "the dev stack did not come up";
  }

  static std::shared_ptr<grpc::Channel> ChannelTo(const std::string& service) {
    return ChannelToPort(stack_->PortOf(service));
  }

  inline static std::unique_ptr<DrillStack> stack_;
};

// Case a: what grpcurl would show, and one real write read back, per service.
TEST_F(DevStackDrill, EveryServiceServesHealthReflectionAndAWriteReadBack) {
  const std::map<std::string, std::string> own_service = {
      {"quest", "quest.v1.PuzzleService"},
      {"notification", "notification.v1.PushTokenService"},
      {"social", "social.v1.FriendService"}};
  for (const auto& [service, api] : own_service) {
    SCOPED_TRACE(service);
    auto channel = ChannelTo(service);
    EXPECT_EQ(testing::CheckHealth(channel), "SERVING");
    std::set<std::string> listed;
    grpc::Status reflected = testing::ListServices(channel, &listed);
    ASSERT_TRUE(reflected.ok()) << reflected.error_message();
    for (const std::string& name :
         {api, std::string("grpc.health.v1.Health"), std::string("ops.v1.Diagnostics"),
          std::string("grpc.reflection.v1alpha.ServerReflection")}) {
      EXPECT_TRUE(listed.count(name)) << name << " not in " << absl::StrJoin(listed, ", ");
    }
  }

  const std::string user = api::NewUuidV4();
  {
    auto puzzles = qv1::PuzzleService::NewStub(ChannelTo("quest"));
    qv1::CreatePuzzleRequest create;
    create.set_title("Drill: read back");
    create.set_kind(qv1::PUZZLE_KIND_WORD);
    create.set_rating(1200);
    create.set_content("An anagram of 'listen'");
    create.set_solution("silent");
    create.set_publish(true);
    qv1::Puzzle created;
    grpc::Status status = puzzles->CreatePuzzle(ActingAs(user).get(), create, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
    qv1::GetPuzzleRequest get;
    get.set_puzzle_id(created.id());
    qv1::Puzzle read;
    status = puzzles->GetPuzzle(ActingAs(user).get(), get, &read);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(read.id(), created.id());
    EXPECT_EQ(read.title(), "Drill: read back");
  }
  {
    auto tokens = nv1::PushTokenService::NewStub(ChannelTo("notification"));
    nv1::RegisterPushTokenRequest registration;
    registration.set_device_id(api::NewUuidV4());
    registration.set_app_id("com.example.game");
    registration.set_platform(nv1::PLATFORM_FCM);
    registration.set_token(absl::StrCat("fcm:", api::NewUuidV4()));
    nv1::PushToken registered;
    grpc::Status status =
        tokens->RegisterPushToken(ActingAs(user).get(), registration, &registered);
    ASSERT_TRUE(status.ok()) << status.error_message();
    nv1::ListPushTokensResponse listed;
    status = tokens->ListPushTokens(ActingAs(user).get(), nv1::ListPushTokensRequest(), &listed);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(listed.push_tokens_size(), 1);
    EXPECT_EQ(listed.push_tokens(0).device_id(), registration.device_id());
  }
  {
    auto friends = sv1::FriendService::NewStub(ChannelTo("social"));
    const std::string other = api::NewUuidV4();
    sv1::SendFriendRequestRequest send;
    send.set_user_id(other);
    sv1::Friendship sent;
    grpc::Status status = friends->SendFriendRequest(ActingAs(user).get(), send, &sent);
    ASSERT_TRUE(status.ok()) << status.error_message();
    sv1::GetFriendshipRequest get;
    get.set_user_id(user);
    sv1::Friendship seen;
    status = friends->GetFriendship(ActingAs(other).get(), get, &seen);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(seen.state(), sv1::FRIENDSHIP_STATE_REQUEST_RECEIVED);
  }
}

// Case a: each database's schema_migrations holds exactly the versions its
// service embeds: none missing, none unknown. (A version is there at most
// once by its primary key; ScaleOutDrill's TwoInstancesStartingTogether-
// MigrateOnce shows two instances applying the set once.)
TEST_F(DevStackDrill, EachDatabaseHoldsExactlyTheMigrationsItsServiceEmbeds) {
  for (const std::string service : {"quest", "notification", "social"}) {
    SCOPED_TRACE(service);
    absl::StatusOr<std::vector<std::string>> expected = ExpectedMigrations(service);
    ASSERT_TRUE(expected.ok()) << expected.status();
    ASSERT_FALSE(expected->empty());
    absl::StatusOr<std::vector<std::string>> applied =
        stack_->AppliedMigrations(DatabaseOf(service));
    ASSERT_TRUE(applied.ok()) << applied.status();
    EXPECT_EQ(*applied, *expected);
  }
}

// Case c: SIGTERM while a call is in flight. A SHARE lock on
// friend_requests (psql in the postgres container) holds one
// SendFriendRequest inside its INSERT; SIGTERM arrives; the server says it
// is draining; the lock goes within the drain window (GRPC_DRAIN_TIMEOUT_MS
// 5 s); the held call answers OK, its row is stored, and the container exits
// 0. A call sent once draining has begun is refused UNAVAILABLE (safe to
// retry elsewhere). Started again, social serves again.
TEST_F(DevStackDrill, SigtermLetsACallInFlightFinishOkAndExitsZero) {
  const std::string container = stack_->project().Container("social");
  auto friends = sv1::FriendService::NewStub(ChannelTo("social"));
  // The connection is up before the lock, so the held call is accepted at once.
  ASSERT_EQ(testing::CheckHealth(ChannelTo("social")), "SERVING");
  sv1::Friendship warm_up;
  sv1::SendFriendRequestRequest first;
  first.set_user_id(api::NewUuidV4());
  ASSERT_TRUE(friends->SendFriendRequest(ActingAs(api::NewUuidV4()).get(), first, &warm_up).ok());

  HeldTableLock lock(stack_->project(), "social_db", "friend_requests");
  ASSERT_TRUE(lock.WaitHeld(absl::Seconds(20)).ok());

  const std::string requester = api::NewUuidV4();
  sv1::SendFriendRequestRequest held_request;
  held_request.set_user_id(api::NewUuidV4());
  absl::Time answered_at;
  std::future<grpc::Status> held = std::async(std::launch::async, [&] {
    sv1::Friendship friendship;
    grpc::Status status = friends->SendFriendRequest(ActingAs(requester, absl::Seconds(30)).get(),
                                                     held_request, &friendship);
    answered_at = absl::Now();
    return status;
  });
  absl::Status blocked = lock.WaitForBlockedWrites(1, absl::Seconds(20));
  ASSERT_TRUE(blocked.ok()) << blocked;
  ASSERT_EQ(held.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the write answered while the table was locked";

  const absl::Time stopping = absl::Now();
  std::future<absl::StatusOr<std::string>> stopped = std::async(std::launch::async, [&] {
    return Podman({"stop", "-t", "30", container});
  });
  // The server's own word that SIGTERM arrived and the drain began.
  const bool draining = testing::Eventually(
      [&] { return absl::StrContains(stack_->project().Logs(container), "now draining"); },
      absl::Seconds(10));
  const absl::Duration until_draining = absl::Now() - stopping;
  EXPECT_TRUE(draining) << Tail(stack_->project().Logs(container));
  EXPECT_EQ(held.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the held call answered before the lock was released";

  // New work is refused while the held call runs.
  sv1::Friendship refused_friendship;
  sv1::SendFriendRequestRequest late;
  late.set_user_id(api::NewUuidV4());
  grpc::Status refused =
      friends->SendFriendRequest(ActingAs(api::NewUuidV4()).get(), late, &refused_friendship);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();

  const absl::Time releasing = absl::Now();
  lock.Release();
  const grpc::Status status = held.get();
  absl::StatusOr<std::string> stop_result = stopped.get();
  const absl::Duration stop_took = absl::Now() - stopping;
  auto millis = [](absl::Duration duration) {
    return absl::StrCat(absl::ToInt64Milliseconds(duration), " ms");
  };
  Figure(absl::StrCat(
      "SIGTERM drain of social: \"now draining\" ", millis(until_draining),
      " after podman stop began; lock released ", millis(releasing - stopping),
      " after it; the held call answered ", grpc_util::StatusCodeName(status.error_code()), " ",
      millis(answered_at - releasing), " after the release; podman stop took ", millis(stop_took)));
  EXPECT_TRUE(status.ok()) << grpc_util::StatusCodeName(status.error_code()) << " "
                           << status.error_message();
  ASSERT_TRUE(stop_result.ok()) << stop_result.status();

  EXPECT_EQ(stack_->project().State(container), "exited");
  absl::StatusOr<int> exit_code = stack_->project().ExitCode(container);
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  const std::string log = stack_->project().Logs(container);
  EXPECT_TRUE(absl::StrContains(log, "received Terminated: NOT_SERVING")) << Tail(log);
  EXPECT_FALSE(absl::StrContains(log, "drain deadline passed")) << Tail(log);
  EXPECT_TRUE(absl::StrContains(log, "social stopped")) << Tail(log);
  EXPECT_EQ(Count(stack_->project().Psql(
                "social_db",
                absl::StrCat("SELECT count(*) FROM friend_requests WHERE requester_id = '",
                             requester, "' AND recipient_id = '", held_request.user_id(), "'"))),
            1);

  const absl::Time restarting = absl::Now();
  absl::StatusOr<std::string> started = Podman({"start", container});
  ASSERT_TRUE(started.ok()) << started.status();
  absl::Status healthy = stack_->WaitHealthy({"social"}, absl::Minutes(1));
  ASSERT_TRUE(healthy.ok()) << healthy;
  Figure(absl::StrCat("social started again: healthy after ", Since(restarting)));
}

// Case e: `podman-compose down -v` leaves no container, pod or volume of the
// project; the network it leaves (podman-compose 1.0.3 never removes one)
// is removed by the teardown, after which podman has nothing of it.
TEST_F(DevStackDrill, DownLeavesNothingOfTheProject) {
  ProjectObjects before = stack_->project().Objects();
  EXPECT_FALSE(before.containers.empty());
  EXPECT_FALSE(before.volumes.empty());
  const absl::Time start = absl::Now();
  ProjectObjects after_down = stack_->project().Down();
  Figure(absl::StrCat("down -v took ", Since(start), "; it left ", after_down.Describe()));
  EXPECT_TRUE(after_down.containers.empty()) << after_down.Describe();
  EXPECT_TRUE(after_down.pods.empty()) << after_down.Describe();
  EXPECT_TRUE(after_down.volumes.empty()) << after_down.Describe();
  ProjectObjects left = stack_->project().Objects();
  EXPECT_TRUE(left.empty()) << left.Describe();
}

}  // namespace
}  // namespace qs::drill
