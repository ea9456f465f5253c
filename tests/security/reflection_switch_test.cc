// GRPC_REFLECTION=off hides the schema: against each real service binary,
// grpc.reflection.v1alpha.ServerReflection answers UNIMPLEMENTED (what
// `grpcurl list` then reports) while the service's own RPCs and health keep
// working; unset (on), the same server lists its services.
#include <set>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "proto/ops/v1/diagnostics.grpc.pb.h"
#include "tests/support/reflection.h"
#include "tests/support/service_fixture.h"

namespace qs::testing {
namespace {

class ReflectionSwitchTest : public ServiceFixture,
                             public ::testing::WithParamInterface<std::string> {
 protected:
  // A call of the service's own API (ops.v1.Diagnostics, which all serve).
  static grpc::Status ServiceInfo(const std::shared_ptr<grpc::Channel>& channel) {
    ::ops::v1::GetServiceInfoResponse info;
    return ::ops::v1::Diagnostics::NewStub(channel)->GetServiceInfo(
        As("").get(), ::ops::v1::GetServiceInfoRequest(), &info);
  }
};

TEST_P(ReflectionSwitchTest, OffAnswersUnimplementedAndTheServiceStillServes) {
  auto server = StartService(GetParam(), {{"GRPC_REFLECTION", "off"}});
  auto channel = ChannelTo(*server);
  std::set<std::string> names;
  grpc::Status listed = ListServices(channel, &names);
  EXPECT_EQ(listed.error_code(), grpc::StatusCode::UNIMPLEMENTED) << listed.error_message();
  EXPECT_TRUE(names.empty());

  grpc::Status info = ServiceInfo(channel);
  EXPECT_TRUE(info.ok()) << info.error_message();
  ::grpc::health::v1::HealthCheckResponse health;
  ::grpc::health::v1::HealthCheckRequest request;
  EXPECT_TRUE(
      ::grpc::health::v1::Health::NewStub(channel)->Check(As("").get(), request, &health).ok());
  EXPECT_EQ(health.status(), ::grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_NE(server->Log().find("reflection off"), std::string::npos);
}

TEST_P(ReflectionSwitchTest, OnByDefaultListsTheServices) {
  auto server = StartService(GetParam());
  std::set<std::string> names;
  grpc::Status listed = ListServices(ChannelTo(*server), &names);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  EXPECT_TRUE(names.count("ops.v1.Diagnostics"));
  EXPECT_TRUE(names.count("grpc.reflection.v1alpha.ServerReflection"));
  EXPECT_NE(server->Log().find("reflection on"), std::string::npos);
}

TEST_P(ReflectionSwitchTest, ABadValueStopsStartUpNamingTheVariable) {
  std::map<std::string, std::string> env = ServiceProcess::DefaultEnv(GetParam());
  env["GRPC_REFLECTION"] = "disabled";
  const std::string variable = GetParam() == "quest"          ? "QUEST_BINARY"
                               : GetParam() == "notification" ? "NOTIFICATION_BINARY"
                                                              : "SOCIAL_BINARY";
  auto server = ServiceProcess::Start(std::getenv(variable.c_str()), env);
  EXPECT_EQ(server->WaitForExit(absl::Seconds(10)), 2);
  EXPECT_NE(server->Log().find("GRPC_REFLECTION: expected on or off, got \"disabled\""),
            std::string::npos)
      << server->Log();
}

INSTANTIATE_TEST_SUITE_P(EveryService, ReflectionSwitchTest,
                         ::testing::Values("quest", "notification", "social"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace qs::testing
