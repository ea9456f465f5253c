#include "common/grpc/call_log_interceptor.h"

#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/grpc/call_log.h"
#include "grpcpp/server_context.h"

namespace qs::grpc_util {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CallLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit CallLogInterceptor(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method()), peer_(info->server_context()->peer()), start_(absl::Now()) {}

  ~CallLogInterceptor() override {
    if (!logged_) Log(grpc::StatusCode::CANCELLED, "no status sent");
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status status = methods->GetSendStatus();
      Log(status.error_code(), status.error_message());
    }
    methods->Proceed();
  }

 private:
  void Log(grpc::StatusCode code, const std::string& message) {
    logged_ = true;
    // gRPC's sync API runs no call hooks: no trace or user is known here.
    static const base::CallContext kNoContext;
    LogCall(method_, grpc::Status(code, message), absl::ToDoubleMilliseconds(absl::Now() - start_),
            peer_, kNoContext);
  }

  std::string method_;
  std::string peer_;
  absl::Time start_;
  bool logged_ = false;
};

class CallLogInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallLogInterceptor(info);
  }
};

}  // namespace

std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeCallLogInterceptors() {
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<CallLogInterceptorFactory>());
  return factories;
}

}  // namespace qs::grpc_util
