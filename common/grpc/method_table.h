// The unary methods a server hosts, by full path, and how each one runs.
//
// A hosted service's methods are all added at once from the generated list
// (bazel/proto.bzl writes <target>_methods.h next to the .grpc.pb.h files):
//
//   MethodTable table;
//   table.AddService<::quest::v1::PuzzleService>(&puzzle_handler);
//
// Every method then runs its ordinary synchronous body
// (`grpc::Status GetPuzzle(ServerContext*, const Req*, Resp*)`) on the
// bounded worker pool. A hot read that needs no worker thread replaces its
// body with a non-blocking one:
//
//   table.ServeAsync(&v1::PuzzleService::Service::GetPuzzle,
//                    [this](AsyncCall<v1::GetPuzzleRequest, v1::Puzzle> call) {
//                      ... call.Finish(status) once, from any thread ...
//                    });
//
// The table is built on the start-up thread and only read once serving
// starts (async_server.h), so reads need no lock.
#ifndef QS_COMMON_GRPC_METHOD_TABLE_H_
#define QS_COMMON_GRPC_METHOD_TABLE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace qs::grpc_util {

// What the serving core gives a non-blocking body for one call. The request
// and response live until Finish; Finish must be called exactly once, from
// any thread; it sends `*response` when the status is OK.
struct AsyncCallBase {
  grpc::ServerContext* context;
  const google::protobuf::Message* request;
  google::protobuf::Message* response;
  std::function<void(const grpc::Status&)> finish;
  // Runs `work` on the worker pool (for a step that must block, e.g. a
  // fall-back read on the primary). False when the pool's queue is full:
  // the body must then Finish RESOURCE_EXHAUSTED itself.
  std::function<bool(std::function<void()> work)> offload;
};

template <typename Request, typename Response>
class AsyncCall {
 public:
  explicit AsyncCall(AsyncCallBase base) : base_(std::move(base)) {}
  grpc::ServerContext& context() const { return *base_.context; }
  const Request& request() const { return static_cast<const Request&>(*base_.request); }
  Response* response() const { return static_cast<Response*>(base_.response); }
  void Finish(const grpc::Status& status) const { base_.finish(status); }
  bool Offload(std::function<void()> work) const { return base_.offload(std::move(work)); }

 private:
  AsyncCallBase base_;
};

struct UnaryMethod {
  std::string path;  // "/quest.v1.PuzzleService/GetPuzzle"
  const google::protobuf::Message* request_prototype;
  const google::protobuf::Message* response_prototype;
  // The synchronous body; runs on a worker thread.
  std::function<grpc::Status(grpc::ServerContext*, const google::protobuf::Message&,
                             google::protobuf::Message*)>
      blocking;
  // Set by ServeAsync: runs on a serving thread and must not block.
  std::function<void(AsyncCallBase)> async;
};

namespace method_table_internal {

// The request and response types of a generated method's member pointer.
template <typename Member>
struct MethodTypes;
template <typename Service, typename Request, typename Response>
struct MethodTypes<grpc::Status (Service::*)(grpc::ServerContext*, const Request*, Response*)> {
  using RequestType = Request;
  using ResponseType = Response;
};

// Stops start-up: the wiring names a method no hosted service has.
[[noreturn]] void DieUnknownMethod(absl::string_view what);

}  // namespace method_table_internal

class MethodTable {
 public:
  // Adds every method of `service`, from the generated list (found by
  // argument-dependent lookup of MethodsOf in the service's namespace).
  // `service` is not owned and must outlive serving. Adding a service twice
  // stops start-up.
  template <typename GeneratedService>
  void AddService(typename GeneratedService::Service* service);

  // Serves `method` (a member of a service already added) with `body`,
  // instead of its blocking body. Naming a method whose service was not
  // added stops start-up (a wiring error, not a runtime condition).
  template <typename Service, typename Request, typename Response, typename Body>
  void ServeAsync(grpc::Status (Service::*method)(grpc::ServerContext*, const Request*, Response*),
                  Body body);

  // nullptr for a path no hosted service has.
  const UnaryMethod* Find(absl::string_view path) const;

  // Full names of the services added ("quest.v1.PuzzleService"), in order.
  const std::vector<std::string>& service_names() const { return service_names_; }

  size_t size() const { return methods_.size(); }

  // Every method's full path, sorted (start-up checks of per-method
  // settings, e.g. RATE_LIMITS).
  std::vector<std::string> paths() const {
    std::vector<std::string> all;
    all.reserve(methods_.size());
    for (const auto& [path, method] : methods_) all.push_back(path);
    return all;
  }

 private:
  void Add(UnaryMethod method);
  void AddServiceName(absl::string_view path);
  UnaryMethod& FindOrDie(absl::string_view path);

  std::map<std::string, UnaryMethod, std::less<>> methods_;
  std::vector<std::string> service_names_;
};

template <typename GeneratedService>
void MethodTable::AddService(typename GeneratedService::Service* service) {
  using Service = typename GeneratedService::Service;
  using Methods = decltype(MethodsOf(static_cast<const Service*>(nullptr)));
  bool first = true;
  Methods::ForEach([&](const char* path, auto member) {
    using Types = method_table_internal::MethodTypes<decltype(member)>;
    using Request = typename Types::RequestType;
    using Response = typename Types::ResponseType;
    if (first) AddServiceName(path);
    first = false;
    Add(UnaryMethod{
        .path = path,
        .request_prototype = &Request::default_instance(),
        .response_prototype = &Response::default_instance(),
        // A virtual call: the handler's override runs.
        .blocking =
            [service, member](grpc::ServerContext* context,
                              const google::protobuf::Message& request,
                              google::protobuf::Message* response) {
              return (service->*member)(context, static_cast<const Request*>(&request),
                                        static_cast<Response*>(response));
            },
        .async = nullptr,
    });
  });
}

template <typename Service, typename Request, typename Response, typename Body>
void MethodTable::ServeAsync(grpc::Status (Service::*method)(grpc::ServerContext*, const Request*,
                                                             Response*),
                             Body body) {
  using Methods = decltype(MethodsOf(static_cast<const Service*>(nullptr)));
  // Named, not decltype(method): inside the lambda gcc 12 takes that for a
  // reference type, and nothing would convert to it.
  using Member = grpc::Status (Service::*)(grpc::ServerContext*, const Request*, Response*);
  const char* found = nullptr;
  Methods::ForEach([&](const char* path, auto member) {
    // `method` may name the handler's override (&PuzzleHandler::GetPuzzle):
    // the generated member converts to it and compares equal (the Itanium
    // C++ ABI of gcc and clang identifies a virtual member by its vtable slot).
    if constexpr (std::is_convertible_v<decltype(member), Member>) {
      if (static_cast<Member>(member) == method) found = path;
    }
  });
  if (found == nullptr) method_table_internal::DieUnknownMethod("a method of its service");
  // Not mutable: every serving thread runs this one body at once.
  FindOrDie(found).async = [body = std::move(body)](AsyncCallBase base) {
    body(AsyncCall<Request, Response>(std::move(base)));
  };
}

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_METHOD_TABLE_H_
