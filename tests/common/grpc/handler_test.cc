// The handler edge through a real gRPC server and client: the acting user
// reaches the body, a body's absl::Status is the caller's status, and a
// response is sent only on OK.
#include "common/grpc/handler.h"

#include <memory>
#include <string>

#include "grpcpp/create_channel.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "proto/ops/v1/diagnostics.grpc.pb.h"

namespace qs::grpc_util {
namespace {

constexpr char kUser[] = "6f1c2f0e-6b7e-4c31-9d55-0c0a4fd0a1b2";

// Diagnostics/GetServiceInfo is a convenient real RPC shape to host a test body on.
class FakeDiagnostics final : public ::ops::v1::Diagnostics::Service {
 public:
  std::string seen_user;
  absl::Status fail_with;
  bool use_status_body = false;

  grpc::Status GetServiceInfo(grpc::ServerContext* context, const ::ops::v1::GetServiceInfoRequest*,
                              ::ops::v1::GetServiceInfoResponse* response) override {
    if (use_status_body) {
      return HandleAsUser(*context, response, [&](const std::string& user) -> absl::Status {
        seen_user = user;
        response->set_service("filled in place");
        return fail_with;
      });
    }
    return HandleAsUser(
        *context, response,
        [&](const std::string& user) -> absl::StatusOr<::ops::v1::GetServiceInfoResponse> {
          seen_user = user;
          if (!fail_with.ok()) return fail_with;
          ::ops::v1::GetServiceInfoResponse out;
          out.set_service("from the body");
          return out;
        });
  }
};

class HandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    stub_ = ::ops::v1::Diagnostics::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status Call(const std::string& user, ::ops::v1::GetServiceInfoResponse* response) {
    grpc::ClientContext context;
    if (!user.empty()) context.AddMetadata("x-user-id", user);
    return stub_->GetServiceInfo(&context, ::ops::v1::GetServiceInfoRequest(), response);
  }

  FakeDiagnostics service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<::ops::v1::Diagnostics::Stub> stub_;
};

TEST_F(HandlerTest, BodyGetsTheActingUserAndItsResponseIsSent) {
  ::ops::v1::GetServiceInfoResponse response;
  ASSERT_TRUE(Call(kUser, &response).ok());
  EXPECT_EQ(service_.seen_user, kUser);
  EXPECT_EQ(response.service(), "from the body");
}

TEST_F(HandlerTest, MissingUserIsUnauthenticatedAndTheBodyNeverRuns) {
  ::ops::v1::GetServiceInfoResponse response;
  EXPECT_EQ(Call("", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Call("not-a-uuid", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(service_.seen_user, "");
}

TEST_F(HandlerTest, BodyErrorIsTheCallersStatus) {
  service_.fail_with = absl::NotFoundError("puzzle 1 not found");
  ::ops::v1::GetServiceInfoResponse response;
  grpc::Status status = Call(kUser, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "puzzle 1 not found");
  EXPECT_EQ(response.service(), "");

  service_.fail_with = absl::InternalError("secret detail");  // never leaks to callers
  status = Call(kUser, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message().find("secret"), std::string::npos);
}

TEST_F(HandlerTest, StatusBodyFillsTheResponseItself) {
  service_.use_status_body = true;
  ::ops::v1::GetServiceInfoResponse response;
  ASSERT_TRUE(Call(kUser, &response).ok());
  EXPECT_EQ(response.service(), "filled in place");
  service_.fail_with = absl::FailedPreconditionError("not now");
  EXPECT_EQ(Call(kUser, &response).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace qs::grpc_util
