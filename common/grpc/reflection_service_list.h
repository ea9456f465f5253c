// Makes server reflection list services that the server serves through its
// generic async service (async_server.h), not as registered grpc::Services:
//
//   builder.SetOption(ListInReflection({"quest.v1.PuzzleService", ...}));
//
// gRPC 1.51's reflection answers `list_services` from the server's list of
// *registered* services' names (ServerInitializer::GetServiceList), which a
// generic service does not add to; describing a symbol already works, as it
// reads the linked descriptors. The option adds a plugin that appends the
// names to that list while the server is built (InitServer, before Start):
// the reflection plugin keeps a pointer to the same list and reads it per
// request. grpcurl `list` then shows every hosted service.
#ifndef QS_COMMON_GRPC_REFLECTION_SERVICE_LIST_H_
#define QS_COMMON_GRPC_REFLECTION_SERVICE_LIST_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/impl/server_builder_option.h"

namespace qs::grpc_util {

std::unique_ptr<grpc::ServerBuilderOption> ListInReflection(std::vector<std::string> service_names);

}  // namespace qs::grpc_util

#endif  // QS_COMMON_GRPC_REFLECTION_SERVICE_LIST_H_
