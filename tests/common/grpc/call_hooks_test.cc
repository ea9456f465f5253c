// The serving core runs the call hooks around every call: OnStart before the
// body (a refusal answers the call and the body never runs), the call's
// context current in blocking, async and offloaded bodies, OnFinish with
// the status about to be sent, able to add trailing metadata.
#include "common/grpc/call_hooks.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/call_context.h"
#include "common/grpc/async_server.h"
#include "common/grpc/method_table.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/common/grpc/method_table_test.grpc.pb.h"
#include "tests/common/grpc/method_table_test_proto_methods.h"

namespace qs::grpc_util {
namespace {

using ::tables::v1::Counter;
using ::tables::v1::CountResponse;
using ::tables::v1::Echo;
using ::tables::v1::EchoRequest;
using ::tables::v1::EchoResponse;

// What each body saw as the current call: its user id, or "(none)".
std::string CurrentUser() {
  const base::CallContext* call = base::CurrentCall();
  return call == nullptr ? "(none)" : call->user_id;
}

class EchoHandler final : public Echo::Service {
 public:
  grpc::Status Say(grpc::ServerContext*, const EchoRequest* request,
                   EchoResponse* response) override {
    ++bodies_run;
    response->set_text(request->text() + " as " + CurrentUser());
    base::CurrentCall()->commit_lsn = 42;
    return grpc::Status::OK;
  }
  std::atomic<int> bodies_run{0};
};

class CounterHandler final : public Counter::Service {};

// Takes the user from x-user-id into the call; refuses text "refuse"... by
// metadata `x-refuse`; records every OnFinish; sends commit_lsn back.
class RecordingHooks final : public CallHooks {
 public:
  grpc::Status OnStart(absl::string_view method, grpc::ServerContext& context,
                       base::CallContext& call) override {
    auto user = context.client_metadata().find("x-user-id");
    if (user != context.client_metadata().end()) {
      call.user_id.assign(user->second.data(), user->second.size());
    }
    if (context.client_metadata().count("x-refuse") != 0) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "refused " + std::string(method));
    }
    return grpc::Status::OK;
  }
  void OnFinish(absl::string_view method, grpc::ServerContext& context,
                const base::CallContext& call, const grpc::Status& status,
                double duration_seconds) override {
    if (call.commit_lsn != 0) {
      context.AddTrailingMetadata("x-test-lsn", std::to_string(call.commit_lsn));
    }
    std::lock_guard<std::mutex> lock(mutex);
    finished.push_back(std::string(method) + " " + std::to_string(status.error_code()) + " " +
                       call.user_id);
    durations.push_back(duration_seconds);
  }
  std::mutex mutex;
  std::vector<std::string> finished;
  std::vector<double> durations;
};

// A second hook, to see the order and that a refusal stops the later ones.
class CountingHooks final : public CallHooks {
 public:
  grpc::Status OnStart(absl::string_view, grpc::ServerContext&, base::CallContext&) override {
    ++starts;
    return grpc::Status::OK;
  }
  std::atomic<int> starts{0};
};

class CallHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_.AddService<Echo>(&echo_);
    table_.AddService<Counter>(&counter_);
    // Count runs non-blocking; it offloads a step, as a fall-back read does.
    table_.ServeAsync(&Counter::Service::Count, [](AsyncCall<EchoRequest, CountResponse> call) {
      const std::string on_serving_thread = CurrentUser();
      call.response()->set_count(static_cast<int64_t>(on_serving_thread.size()));
      const bool offloaded = call.Offload([call, on_serving_thread] {
        // The offloaded step sees the same call as the serving thread did.
        const bool same = CurrentUser() == on_serving_thread;
        call.Finish(same ? grpc::Status::OK
                         : grpc::Status(grpc::StatusCode::INTERNAL, "lost the call context"));
      });
      if (!offloaded) call.Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "full"));
    });
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    core_ = std::make_unique<AsyncServer>(
        table_,
        AsyncServerOptions{
            .serving_threads = 1, .worker_threads = 2, .call_hooks = {&recording_, &counting_}},
        builder);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    core_->Start();
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    server_->Shutdown(std::chrono::system_clock::now());
    core_->Stop();
  }

  EchoHandler echo_;
  CounterHandler counter_;
  MethodTable table_;
  RecordingHooks recording_;
  CountingHooks counting_;
  int port_ = 0;
  std::unique_ptr<AsyncServer> core_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(CallHooksTest, BlockingBodySeesTheCallAndOnFinishAddsTrailers) {
  auto stub = Echo::NewStub(channel_);
  grpc::ClientContext context;
  context.AddMetadata("x-user-id", "ada");
  EchoRequest request;
  request.set_text("hello");
  EchoResponse response;
  grpc::Status status = stub->Say(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.text(), "hello as ada");
  auto lsn = context.GetServerTrailingMetadata().find("x-test-lsn");
  ASSERT_NE(lsn, context.GetServerTrailingMetadata().end());
  EXPECT_EQ(std::string(lsn->second.data(), lsn->second.size()), "42");
  std::lock_guard<std::mutex> lock(recording_.mutex);
  ASSERT_EQ(recording_.finished.size(), 1u);
  EXPECT_EQ(recording_.finished[0], "/tables.v1.Echo/Say 0 ada");
  EXPECT_GE(recording_.durations[0], 0.0);
  EXPECT_EQ(counting_.starts.load(), 1);
}

TEST_F(CallHooksTest, ARefusalAnswersTheCallWithoutTheBodyOrLaterHooks) {
  auto stub = Echo::NewStub(channel_);
  grpc::ClientContext context;
  context.AddMetadata("x-user-id", "bob");
  context.AddMetadata("x-refuse", "1");
  EchoResponse response;
  grpc::Status status = stub->Say(&context, EchoRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "refused /tables.v1.Echo/Say");
  EXPECT_EQ(echo_.bodies_run.load(), 0);
  EXPECT_EQ(counting_.starts.load(), 0);
  std::lock_guard<std::mutex> lock(recording_.mutex);
  ASSERT_EQ(recording_.finished.size(), 1u);
  EXPECT_EQ(recording_.finished[0], "/tables.v1.Echo/Say 7 bob");
}

TEST_F(CallHooksTest, AsyncBodyAndItsOffloadedStepSeeTheCall) {
  auto stub = Counter::NewStub(channel_);
  grpc::ClientContext context;
  context.AddMetadata("x-user-id", "carol");
  CountResponse response;
  grpc::Status status = stub->Count(&context, EchoRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.count(), 5);  // "carol", seen on the serving thread.
  std::lock_guard<std::mutex> lock(recording_.mutex);
  ASSERT_EQ(recording_.finished.size(), 1u);
  EXPECT_EQ(recording_.finished[0], "/tables.v1.Counter/Count 0 carol");
}

TEST_F(CallHooksTest, UnknownMethodsAreRecordedToo) {
  grpc::GenericStub generic(channel_);
  grpc::ClientContext context;
  grpc::Slice empty_message("");
  grpc::ByteBuffer request(&empty_message, 1);
  grpc::ByteBuffer response;
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  grpc::Status status;
  generic.UnaryCall(&context, "/tables.v1.Echo/Missing", grpc::StubOptions(), &request, &response,
                    [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mutex);
                      status = s;
                      finished = true;
                      done.notify_all();
                    });
  std::unique_lock<std::mutex> lock(mutex);
  done.wait(lock, [&] { return finished; });
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  std::lock_guard<std::mutex> recorded(recording_.mutex);
  ASSERT_EQ(recording_.finished.size(), 1u);
  EXPECT_EQ(recording_.finished[0], "/tables.v1.Echo/Missing 12 ");
}

TEST(CallContextTest, ScopedCallNestsAndRestores) {
  EXPECT_EQ(base::CurrentCall(), nullptr);
  base::CallContext outer;
  base::CallContext inner;
  {
    const base::ScopedCall first(&outer);
    EXPECT_EQ(base::CurrentCall(), &outer);
    {
      const base::ScopedCall second(&inner);
      EXPECT_EQ(base::CurrentCall(), &inner);
    }
    EXPECT_EQ(base::CurrentCall(), &outer);
  }
  EXPECT_EQ(base::CurrentCall(), nullptr);
}

}  // namespace
}  // namespace qs::grpc_util
