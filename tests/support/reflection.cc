#include "tests/support/reflection.h"

#include "absl/time/clock.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/client_context.h"

namespace qs::testing {

grpc::Status ListServices(const std::shared_ptr<grpc::Channel>& channel,
                          std::set<std::string>* names, absl::Duration timeout) {
  namespace reflection = grpc::reflection::v1alpha;
  auto stub = reflection::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  auto stream = stub->ServerReflectionInfo(&context);
  reflection::ServerReflectionRequest list;
  list.set_list_services("*");
  reflection::ServerReflectionResponse response;
  if (stream->Write(list) && stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service()) {
      names->insert(service.name());
    }
    stream->WritesDone();
  }
  return stream->Finish();
}

}  // namespace qs::testing
