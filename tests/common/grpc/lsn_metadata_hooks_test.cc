// x-min-lsn / x-db-lsn through a real serving core and a real gRPC client:
// the header reaches the body's call context, a malformed or repeated one
// is INVALID_ARGUMENT without the body, and the trailer goes out only with
// an OK answer of a call that committed.
#include "common/grpc/lsn_metadata_hooks.h"

#include <atomic>
#include <memory>
#include <string>

#include "common/base/call_context.h"
#include "common/grpc/async_server.h"
#include "common/grpc/method_table.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/common/grpc/method_table_test.grpc.pb.h"
#include "tests/common/grpc/method_table_test_proto_methods.h"

namespace qs::grpc_util {
namespace {

using ::tables::v1::Echo;
using ::tables::v1::EchoRequest;
using ::tables::v1::EchoResponse;

// Say: answers with the min_lsn it saw ("none" or the number); a request
// text "commit N" stands for a write that committed at N, "fail" for one
// that committed and then failed.
class EchoHandler final : public Echo::Service {
 public:
  grpc::Status Say(grpc::ServerContext*, const EchoRequest* request,
                   EchoResponse* response) override {
    ++bodies_run;
    base::CallContext* call = base::CurrentCall();
    response->set_text(call->min_lsn ? std::to_string(*call->min_lsn) : "none");
    const std::string& text = request->text();
    if (text.rfind("commit ", 0) == 0) call->commit_lsn = std::stoull(text.substr(7));
    if (text == "fail") {
      call->commit_lsn = 99;
      return grpc::Status(grpc::StatusCode::ABORTED, "stale version");
    }
    return grpc::Status::OK;
  }
  std::atomic<int> bodies_run{0};
};

class LsnMetadataHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_.AddService<Echo>(&echo_);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    core_ = std::make_unique<AsyncServer>(
        table_,
        AsyncServerOptions{.serving_threads = 1, .worker_threads = 2, .call_hooks = {&hooks_}},
        builder);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    core_->Start();
    stub_ = Echo::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                              grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    server_->Shutdown(std::chrono::system_clock::now());
    core_->Stop();
  }

  struct Answer {
    grpc::Status status;
    std::string text;
    // The x-db-lsn trailers (normally none or one).
    std::vector<std::string> db_lsn;
  };

  Answer Call(const std::string& text, const std::vector<std::string>& min_lsn = {}) {
    grpc::ClientContext context;
    for (const std::string& value : min_lsn) context.AddMetadata("x-min-lsn", value);
    EchoRequest request;
    request.set_text(text);
    EchoResponse response;
    Answer answer;
    answer.status = stub_->Say(&context, request, &response);
    answer.text = response.text();
    const auto [first, end] = context.GetServerTrailingMetadata().equal_range("x-db-lsn");
    for (auto it = first; it != end; ++it)
      answer.db_lsn.emplace_back(it->second.data(), it->second.size());
    return answer;
  }

  EchoHandler echo_;
  MethodTable table_;
  LsnMetadataHooks hooks_;
  int port_ = 0;
  std::unique_ptr<AsyncServer> core_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Echo::Stub> stub_;
};

TEST_F(LsnMetadataHooksTest, MinLsnReachesTheCallContext) {
  Answer answer = Call("read", {"16/B374D848"});
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  EXPECT_EQ(answer.text, std::to_string(0x16B374D848u));
}

TEST_F(LsnMetadataHooksTest, NoHeaderNoRequirement) {
  Answer answer = Call("read");
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  EXPECT_EQ(answer.text, "none");
}

TEST_F(LsnMetadataHooksTest, MalformedMinLsnIsInvalidArgumentWithoutTheBody) {
  for (const std::string bad : {"16", "abc/def/0", "0x1/0", "", "16/B374D848 x"}) {
    Answer answer = Call("commit 5", {bad});
    EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_EQ(answer.status.error_message().rfind("x-min-lsn: ", 0), 0u)
        << answer.status.error_message();
    EXPECT_TRUE(answer.db_lsn.empty());
  }
  EXPECT_EQ(echo_.bodies_run.load(), 0);
}

TEST_F(LsnMetadataHooksTest, RepeatedMinLsnIsInvalidArgument) {
  // Even two equal values: the caller's code has a bug worth surfacing.
  Answer answer = Call("read", {"0/10", "0/10"});
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(answer.status.error_message(), "x-min-lsn: must be sent once, got it more than once");
  EXPECT_EQ(echo_.bodies_run.load(), 0);
}

TEST_F(LsnMetadataHooksTest, CommittedCallGetsItsLsnAsTrailer) {
  Answer answer = Call("commit " + std::to_string(0x16B374D848u));
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  ASSERT_EQ(answer.db_lsn.size(), 1u);
  EXPECT_EQ(answer.db_lsn[0], "16/B374D848");
}

TEST_F(LsnMetadataHooksTest, NoTrailerOnReadsOrFailures) {
  EXPECT_TRUE(Call("read").db_lsn.empty());
  EXPECT_TRUE(Call("read", {"0/1"}).db_lsn.empty());
  Answer failed = Call("fail");
  EXPECT_EQ(failed.status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_TRUE(failed.db_lsn.empty());
}

}  // namespace
}  // namespace qs::grpc_util
