// The method table built from generated method lists
// (method_table_test.proto through bazel/grpc_methods.awk): every unary
// method by path, its blocking body calling the handler's override, and
// ServeAsync replacing one method's body only.
#include "common/grpc/method_table.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/common/grpc/method_table_test_proto_methods.h"

namespace qs::grpc_util {
namespace {

using ::tables::v1::Counter;
using ::tables::v1::CountResponse;
using ::tables::v1::Echo;
using ::tables::v1::EchoRequest;
using ::tables::v1::EchoResponse;

class EchoHandler final : public Echo::Service {
 public:
  grpc::Status Say(grpc::ServerContext*, const EchoRequest* request,
                   EchoResponse* response) override {
    response->set_text("said " + request->text());
    return grpc::Status::OK;
  }
  grpc::Status Shout(grpc::ServerContext*, const EchoRequest* request,
                     EchoResponse* response) override {
    response->set_text("SHOUTED " + request->text());
    return grpc::Status(grpc::StatusCode::ABORTED, "too loud");
  }
};

class CounterHandler final : public Counter::Service {
 public:
  grpc::Status Count(grpc::ServerContext*, const EchoRequest* request,
                     CountResponse* response) override {
    response->set_count(static_cast<int64_t>(request->text().size()));
    return grpc::Status::OK;
  }
};

grpc::Status RunBlocking(const UnaryMethod& method, const std::string& text,
                         google::protobuf::Message* response) {
  EchoRequest request;
  request.set_text(text);
  return method.blocking(nullptr, request, response);
}

TEST(MethodTableTest, AddsEveryMethodOfTheGeneratedListByPath) {
  EchoHandler echo;
  CounterHandler counter;
  MethodTable table;
  table.AddService<Echo>(&echo);
  table.AddService<Counter>(&counter);
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.service_names(),
            (std::vector<std::string>{"tables.v1.Echo", "tables.v1.Counter"}));

  const UnaryMethod* say = table.Find("/tables.v1.Echo/Say");
  ASSERT_NE(say, nullptr);
  EXPECT_EQ(say->path, "/tables.v1.Echo/Say");
  EXPECT_EQ(say->request_prototype->GetDescriptor(), EchoRequest::descriptor());
  EXPECT_EQ(say->response_prototype->GetDescriptor(), EchoResponse::descriptor());
  EXPECT_EQ(say->async, nullptr);

  const UnaryMethod* count = table.Find("/tables.v1.Counter/Count");
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->response_prototype->GetDescriptor(), CountResponse::descriptor());

  EXPECT_EQ(table.Find("/tables.v1.Echo/Whisper"), nullptr);
  EXPECT_EQ(table.Find("/tables.v1.Counter/Say"), nullptr);
  EXPECT_EQ(table.Find("tables.v1.Echo/Say"), nullptr);
  EXPECT_EQ(table.Find(""), nullptr);
}

TEST(MethodTableTest, BlockingBodyCallsTheHandlersOverride) {
  EchoHandler echo;
  CounterHandler counter;
  MethodTable table;
  table.AddService<Echo>(&echo);
  table.AddService<Counter>(&counter);

  EchoResponse said;
  EXPECT_TRUE(RunBlocking(*table.Find("/tables.v1.Echo/Say"), "hi", &said).ok());
  EXPECT_EQ(said.text(), "said hi");

  EchoResponse shouted;
  grpc::Status status = RunBlocking(*table.Find("/tables.v1.Echo/Shout"), "hi", &shouted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(status.error_message(), "too loud");
  EXPECT_EQ(shouted.text(), "SHOUTED hi");

  CountResponse counted;
  EXPECT_TRUE(RunBlocking(*table.Find("/tables.v1.Counter/Count"), "four", &counted).ok());
  EXPECT_EQ(counted.count(), 4);
}

TEST(MethodTableTest, ServeAsyncReplacesOnlyTheNamedMethod) {
  EchoHandler echo;
  MethodTable table;
  table.AddService<Echo>(&echo);
  std::string seen;
  table.ServeAsync(&Echo::Service::Shout, [&seen](AsyncCall<EchoRequest, EchoResponse> call) {
    seen = call.request().text();
    call.response()->set_text("quietly " + call.request().text());
    call.Finish(grpc::Status::OK);
  });

  const UnaryMethod* shout = table.Find("/tables.v1.Echo/Shout");
  ASSERT_NE(shout->async, nullptr);
  EXPECT_EQ(table.Find("/tables.v1.Echo/Say")->async, nullptr);

  EchoRequest request;
  request.set_text("hello");
  EchoResponse response;
  grpc::Status finished(grpc::StatusCode::UNKNOWN, "not finished");
  shout->async(AsyncCallBase{
      .context = nullptr,
      .request = &request,
      .response = &response,
      .finish = [&finished](const grpc::Status& status) { finished = status; },
      .offload = [](std::function<void()>) { return false; },
  });
  EXPECT_EQ(seen, "hello");
  EXPECT_TRUE(finished.ok()) << finished.error_message();
  EXPECT_EQ(response.text(), "quietly hello");
}

TEST(MethodTableTest, ServeAsyncAcceptsTheHandlersOwnMember) {
  EchoHandler echo;
  MethodTable table;
  table.AddService<Echo>(&echo);
  table.ServeAsync(&EchoHandler::Say, [](AsyncCall<EchoRequest, EchoResponse> call) {
    call.Finish(grpc::Status::OK);
  });
  EXPECT_NE(table.Find("/tables.v1.Echo/Say")->async, nullptr);
  EXPECT_EQ(table.Find("/tables.v1.Echo/Shout")->async, nullptr);
}

TEST(MethodTableDeathTest, WiringErrorsStopStartUp) {
  EchoHandler echo;
  CounterHandler counter;
  EXPECT_DEATH(
      {
        MethodTable table;
        table.AddService<Echo>(&echo);
        table.ServeAsync(&Counter::Service::Count, [](AsyncCall<EchoRequest, CountResponse> call) {
          call.Finish(grpc::Status::OK);
        });
      },
      "not in the table");
  EXPECT_DEATH(
      {
        MethodTable table;
        table.AddService<Echo>(&echo);
        table.AddService<Echo>(&echo);
      },
      "/tables.v1.Echo/Say added twice");
}

}  // namespace
}  // namespace qs::grpc_util
