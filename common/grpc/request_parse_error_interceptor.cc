#include "common/grpc/request_parse_error_interceptor.h"

#include <optional>
#include <string>

#include "common/grpc/invalid_utf8_capture.h"
#include "common/grpc/request_parse_error.h"

namespace qs::grpc_util {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

class RequestParseErrorInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit RequestParseErrorInterceptor(const char* method) : method_(method) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      // Protobuf logged the invalid field (if that was the reason) a moment
      // ago, on this thread, while gRPC parsed the request.
      request_missing_ = true;
      invalid_utf8_field_ = TakeInvalidUtf8Field();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      // Whatever the handler's own parsing left on this thread must not be
      // taken for the next call's request on it.
      ForgetInvalidUtf8Field();
      if (request_missing_ && methods->GetSendStatus().error_code() == grpc::StatusCode::INTERNAL) {
        methods->ModifySendStatus(RequestParseErrorStatus(method_, invalid_utf8_field_));
      }
    }
    methods->Proceed();
  }

 private:
  const char* method_;  // Owned by the server, lives as long as the call.
  bool request_missing_ = false;
  std::optional<std::string> invalid_utf8_field_;
};

class RequestParseErrorInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(ServerRpcInfo* info) override {
    const ServerRpcInfo::Type type = info->type();
    if (type != ServerRpcInfo::Type::UNARY && type != ServerRpcInfo::Type::SERVER_STREAMING) {
      return nullptr;  // Their messages come later, through the handler's Read.
    }
    return new RequestParseErrorInterceptor(info->method());
  }
};

}  // namespace

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeRequestParseErrorInterceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<RequestParseErrorInterceptorFactory>());
  return factories;
}

}  // namespace qs::grpc_util
