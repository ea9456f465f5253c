// The interceptor in a real gRPC sync server over loopback, called by a
// real client: a request that does not parse gets INVALID_ARGUMENT naming
// the field and never reaches the handler; a handler's own INTERNAL and
// every well-formed call are left as they are.
#include "common/grpc/request_parse_error_interceptor.h"

#include <atomic>
#include <memory>
#include <string>

#include "common/grpc/invalid_utf8_capture.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/common/grpc/raw_call.h"
#include "tests/common/grpc/request_shapes.grpc.pb.h"

namespace qs::grpc_util {
namespace {

using ::shapes::v1::ShapesRequest;
using ::shapes::v1::ShapesResponse;

constexpr char kInvalidUtf8[] = "\xC3\x28";  // A lead byte, then no continuation.

class ShapesService final : public ::shapes::v1::Shapes::Service {
 public:
  std::atomic<int> calls{0};

  grpc::Status Echo(grpc::ServerContext*, const ShapesRequest* request,
                    ShapesResponse* response) override {
    ++calls;
    if (request->title() == "fail") return grpc::Status(grpc::StatusCode::INTERNAL, "");
    response->set_title(request->title());
    return grpc::Status::OK;
  }

  grpc::Status Watch(grpc::ServerContext*, const ShapesRequest* request,
                     grpc::ServerWriter<ShapesResponse>* writer) override {
    ++calls;
    ShapesResponse response;
    response.set_title(request->title());
    writer->Write(response);
    return grpc::Status::OK;
  }
};

class RequestParseErrorInterceptorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    CaptureInvalidUtf8ParseErrors();
    service_ = new ShapesService;
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_);
    builder.experimental().SetInterceptorCreators(MakeRequestParseErrorInterceptors());
    server_ = builder.BuildAndStart().release();
    ASSERT_NE(port, 0);
    channel_ = new std::shared_ptr<grpc::Channel>(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
    stub_ = ::shapes::v1::Shapes::NewStub(*channel_).release();
  }
  static void TearDownTestSuite() {
    delete stub_;
    delete channel_;
    server_->Shutdown();
    delete server_;
    delete service_;
  }

  void SetUp() override { service_->calls = 0; }

  // Echo with `request` as the client library serializes it: protobuf only
  // logs about invalid UTF-8 when serializing, so those bytes go out as set.
  static grpc::Status Echo(const ShapesRequest& request, ShapesResponse* response = nullptr) {
    grpc::ClientContext context;
    ShapesResponse ignored;
    return stub_->Echo(&context, request, response != nullptr ? response : &ignored);
  }

  inline static ShapesService* service_ = nullptr;
  inline static grpc::Server* server_ = nullptr;
  inline static std::shared_ptr<grpc::Channel>* channel_ = nullptr;
  inline static ::shapes::v1::Shapes::Stub* stub_ = nullptr;
};

TEST_F(RequestParseErrorInterceptorTest, AWellFormedRequestIsServedAsBefore) {
  ShapesRequest request;
  request.set_title("Grüße");
  request.add_tags("a");
  request.mutable_settings()->set_locale("de");
  ShapesResponse response;
  grpc::Status status = Echo(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.title(), "Grüße");
  EXPECT_EQ(service_->calls, 1);
}

TEST_F(RequestParseErrorInterceptorTest, InvalidUtf8AtTheTopNamesTheField) {
  ShapesRequest request;
  request.set_title(kInvalidUtf8);
  grpc::Status status = Echo(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "title: must be valid UTF-8");
  EXPECT_EQ(service_->calls, 0);
}

TEST_F(RequestParseErrorInterceptorTest, InvalidUtf8DeeperNamesItsPath) {
  struct Case {
    const char* expected;
    void (*fill)(ShapesRequest&);
  };
  const Case cases[] = {
      {"tags: must be valid UTF-8",
       [](ShapesRequest& r) {
         r.add_tags("fine");
         r.add_tags(kInvalidUtf8);
       }},
      {"settings.locale: must be valid UTF-8",
       [](ShapesRequest& r) { r.mutable_settings()->set_locale(kInvalidUtf8); }},
      {"labels.key: must be valid UTF-8",
       [](ShapesRequest& r) { (*r.mutable_labels())[kInvalidUtf8] = "v"; }},
      {"labels.value: must be valid UTF-8",
       [](ShapesRequest& r) { (*r.mutable_labels())["k"] = kInvalidUtf8; }},
      {"channel_id: must be valid UTF-8", [](ShapesRequest& r) { r.set_channel_id(kInvalidUtf8); }},
      {"note.text or notes.text: must be valid UTF-8",
       [](ShapesRequest& r) { r.add_notes()->set_text(kInvalidUtf8); }},
      {"tree.name: must be valid UTF-8",
       [](ShapesRequest& r) { r.mutable_tree()->mutable_child()->set_name(kInvalidUtf8); }},
  };
  for (const Case& c : cases) {
    ShapesRequest request;
    request.set_title("fine");
    c.fill(request);
    grpc::Status status = Echo(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.expected;
    EXPECT_EQ(status.error_message(), c.expected);
  }
  EXPECT_EQ(service_->calls, 0);
}

TEST_F(RequestParseErrorInterceptorTest, BytesThatAreNoMessageAreInvalidArgumentToo) {
  grpc::ClientContext context;
  // Field 1, length 9, but only 5 bytes follow.
  grpc::Status status = qs::testing::CallWithRawRequest(
      *channel_, context, "/shapes.v1.Shapes/Echo", std::string("\x0a\x09trunc", 7));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "request: not a valid shapes.v1.ShapesRequest message (malformed, or a string "
            "field that is not valid UTF-8)");
  EXPECT_EQ(service_->calls, 0);
}

TEST_F(RequestParseErrorInterceptorTest, AHandlersOwnInternalStaysInternal) {
  ShapesRequest request;
  request.set_title("fail");
  grpc::Status status = Echo(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(), "");
  EXPECT_EQ(service_->calls, 1);
}

TEST_F(RequestParseErrorInterceptorTest, AServerStreamingRequestIsCheckedToo) {
  ShapesRequest request;
  request.set_title(kInvalidUtf8);
  grpc::ClientContext context;
  auto reader = stub_->Watch(&context, request);
  ShapesResponse response;
  EXPECT_FALSE(reader->Read(&response));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "title: must be valid UTF-8");
  EXPECT_EQ(service_->calls, 0);
}

}  // namespace
}  // namespace qs::grpc_util
