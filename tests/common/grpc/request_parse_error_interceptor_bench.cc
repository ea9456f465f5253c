// What the parse-error interceptor costs a well-formed call: two real sync
// servers over loopback, called in alternating rounds of sequential unary
// calls; prints the median per-call latency of each and the difference.
// Both have a pass-through interceptor standing in for the call log (every
// server of ours has one, and the first interceptor of a server costs more
// than any further one: it takes gRPC off its no-interceptor fast path);
// one of them has the parse-error interceptor in front of it.
//
//   bazel run //tests/common/grpc:request_parse_error_interceptor_bench -- [calls per round]
//   [rounds]
//
// On a busy machine loopback latency is too noisy for a difference of well
// under a microsecond; count instructions instead, one server per run:
//
//   valgrind --tool=callgrind <this binary> 1000 1 with      # then: without
//
// and divide the difference of the totals by the calls (1000 + the 251
// warm-up calls).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/grpc/invalid_utf8_capture.h"
#include "common/grpc/request_parse_error_interceptor.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "tests/common/grpc/request_shapes.grpc.pb.h"

namespace {

using ::shapes::v1::ShapesRequest;
using ::shapes::v1::ShapesResponse;

class PassThrough final : public grpc::experimental::Interceptor {
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }
};

class PassThroughFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo*) override {
    return new PassThrough;
  }
};

class EchoService final : public ::shapes::v1::Shapes::Service {
  grpc::Status Echo(grpc::ServerContext*, const ShapesRequest* request,
                    ShapesResponse* response) override {
    response->set_title(request->title());
    return grpc::Status::OK;
  }
};

struct Server {
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<::shapes::v1::Shapes::Stub> stub;
};

Server Start(EchoService& service, bool with_interceptor) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  if (with_interceptor) interceptors = qs::grpc_util::MakeRequestParseErrorInterceptors();
  interceptors.push_back(std::make_unique<PassThroughFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  Server started;
  started.server = builder.BuildAndStart();
  started.stub = ::shapes::v1::Shapes::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  return started;
}

// Microseconds per call over `calls` sequential calls.
double Round(::shapes::v1::Shapes::Stub& stub, int calls) {
  ShapesRequest request;
  request.set_title("Knight fork");
  request.add_tags("fork");
  ShapesResponse response;
  const absl::Time start = absl::Now();
  for (int i = 0; i < calls; ++i) {
    grpc::ClientContext context;
    if (!stub.Echo(&context, request, &response).ok()) std::abort();
  }
  return absl::ToDoubleMicroseconds(absl::Now() - start) / calls;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int calls = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 15;
  const std::string only = argc > 3 ? argv[3] : "";  // "with", "without" or both.
  qs::grpc_util::CaptureInvalidUtf8ParseErrors();
  if (!only.empty()) {
    EchoService service;
    Server server = Start(service, only == "with");
    Round(*server.stub, calls / 4 + 1);
    double per_call = 0;
    for (int round = 0; round < rounds; ++round) per_call = Round(*server.stub, calls);
    std::printf("%s: %.2f us/call\n", only.c_str(), per_call);
    server.server->Shutdown();
    return 0;
  }
  EchoService service_plain, service_intercepted;
  Server plain = Start(service_plain, false);
  Server intercepted = Start(service_intercepted, true);
  Round(*plain.stub, calls / 4 + 1);  // Warm up both connections.
  Round(*intercepted.stub, calls / 4 + 1);
  std::vector<double> without, with;
  for (int round = 0; round < rounds; ++round) {
    without.push_back(Round(*plain.stub, calls));
    with.push_back(Round(*intercepted.stub, calls));
  }
  const double a = Median(without), b = Median(with);
  std::printf(
      "%d rounds x %d calls: without %.2f us/call, with %.2f us/call, difference %+.2f us "
      "(%+.1f%%)\n",
      rounds, calls, a, b, b - a, 100 * (b - a) / a);
  plain.server->Shutdown();
  intercepted.server->Shutdown();
  return 0;
}
